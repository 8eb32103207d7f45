//! Replays recorded-shape IdP PATCH bodies (`tests/fixtures/patch/*.json`) through the PATCH
//! engine. Each fixture file holds `cases`: a stored document, a PatchOp body, and either the
//! expected document (plus member operations for groups) or the expected error.

use std::fs;
use std::path::Path;

use scim_edge::core::patch::{patch_group, patch_user, MemberOp};
use scim_edge::core::resource::Member;
use serde_json::{json, Value};

fn members_json(members: &[Member]) -> Value {
    Value::Array(
        members
            .iter()
            .map(|m| json!({"value": m.value, "type": m.kind.as_str()}))
            .collect(),
    )
}

fn member_op_json(op: &MemberOp) -> Value {
    match op {
        MemberOp::Add(m) => json!({ "add": members_json(m) }),
        MemberOp::Remove(ids) => json!({ "remove": ids }),
        MemberOp::RemoveAll => json!("removeAll"),
        MemberOp::ReplaceAll(m) => json!({ "replaceAll": members_json(m) }),
    }
}

/// Runs one case; returns a description of the mismatch, if any.
fn run_case(case: &Value) -> Result<(), String> {
    let doc = &case["doc"];
    let patch = &case["patch"];
    let expect = &case["expect"];
    let outcome: Result<(Value, Option<Value>, bool), scim_edge::core::error::ScimError> =
        match case["resource"].as_str() {
            Some("User") => patch_user(doc, patch).map(|p| (p.doc, None, p.password_supplied)),
            Some("Group") => patch_group(doc, patch).map(|p| {
                let ops = Value::Array(p.member_ops.iter().map(member_op_json).collect());
                (p.doc, Some(ops), false)
            }),
            other => return Err(format!("unknown resource {other:?}")),
        };
    match (outcome, expect.get("error")) {
        (Ok((got, ops, password)), None) => {
            if got != expect["doc"] {
                return Err(format!("doc: got {got}, want {}", expect["doc"]));
            }
            if let Some(want_ops) = expect.get("member_ops") {
                let got_ops = ops.unwrap_or(json!([]));
                if &got_ops != want_ops {
                    return Err(format!("member_ops: got {got_ops}, want {want_ops}"));
                }
            }
            let want_password = expect["password_supplied"].as_bool().unwrap_or(false);
            if password != want_password {
                return Err(format!("password_supplied: got {password}"));
            }
            Ok(())
        }
        (Ok((got, _, _)), Some(err)) => Err(format!("expected error {err}, got doc {got}")),
        (Err(e), None) => Err(format!("unexpected error: {e}")),
        (Err(e), Some(err)) => {
            let got = json!({"status": e.status, "scimType": e.scim_type.map(|t| t.as_str())});
            if &got == err {
                Ok(())
            } else {
                Err(format!("error: got {got} ({}), want {err}", e.detail))
            }
        }
    }
}

#[test]
fn recorded_idp_patch_bodies_replay_as_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/patch");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("fixture directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "expected the IdP fixture files");
    let mut failures = Vec::new();
    let mut count = 0;
    for file in files {
        let text = fs::read_to_string(&file).expect("readable fixture");
        let fixture: Value = serde_json::from_str(&text).expect("fixture is JSON");
        let cases = fixture["cases"].as_array().expect("cases array");
        for case in cases {
            count += 1;
            let name = format!(
                "{}::{}",
                file.file_stem().and_then(|s| s.to_str()).unwrap_or("?"),
                case["name"].as_str().unwrap_or("?")
            );
            if let Err(why) = run_case(case) {
                failures.push(format!("{name}: {why}"));
            }
        }
    }
    assert!(count >= 30, "only {count} cases ran");
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
