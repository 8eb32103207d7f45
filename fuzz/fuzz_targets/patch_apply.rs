//! PATCH application on arbitrary JSON. The input is a fixture case
//! (`{"resource", "doc", "patch"}`, as in tests/fixtures/patch) or a bare PatchOp body applied
//! to a fixed User. Invariants: no panic; a refusal is a SCIM 400; a valid stored document
//! patched successfully is still a valid document, equal to its own normal form (what a PUT
//! of it would store), so PATCH can never store what PUT would refuse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_edge::core::json::parse_strict;
use scim_edge::core::patch::{patch_group, patch_user};
use scim_edge::core::resource::{parse_group_body, parse_user_body};
use serde_json::{json, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(input) = parse_strict(text) else {
        return;
    };
    let (resource, doc, body) = match (input.get("doc"), input.get("patch")) {
        (Some(doc), Some(patch)) => (
            input.get("resource").and_then(Value::as_str).unwrap_or("User"),
            doc.clone(),
            patch.clone(),
        ),
        _ => (
            "User",
            json!({"userName": "u1", "emails": [{"value": "a@example.com", "type": "work"}]}),
            input,
        ),
    };
    if resource == "Group" {
        let Ok(start) = parse_group_body(&doc) else {
            return;
        };
        match patch_group(&start.doc, &body) {
            Ok(patched) => {
                let again = parse_group_body(&patched.doc)
                    .unwrap_or_else(|e| panic!("patched group refused by PUT: {e}"));
                assert_eq!(again.doc, patched.doc, "patched group not in normal form");
            }
            Err(e) => assert_eq!(e.status, 400, "{e}"),
        }
    } else {
        let Ok(start) = parse_user_body(&doc) else {
            return;
        };
        match patch_user(&start.doc, &body) {
            Ok(patched) => {
                let again = parse_user_body(&patched.doc)
                    .unwrap_or_else(|e| panic!("patched user refused by PUT: {e}"));
                assert_eq!(again.doc, patched.doc, "patched user not in normal form");
            }
            Err(e) => assert_eq!(e.status, 400, "{e}"),
        }
    }
});
