//! Parsing the PatchOp request body (RFC 7644 §3.5.2) into operations.
//!
//! Leniency, decided from real IdP traffic (Entra:
//! learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups,
//! learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility;
//! Okta: developer.okta.com/docs/reference/scim/scim-20/):
//! - `op` is case-insensitive (Entra sends `Add`/`Replace`/`Remove`);
//! - member names (`Operations`, `op`, `path`, `value`, `schemas`) are case-insensitive;
//! - a missing, `null` or empty `schemas` is accepted; a `schemas` that is present but does not
//!   name the PatchOp URN is rejected with 400 invalidSyntax, because such a body is most
//!   likely a resource sent to the wrong verb;
//! - a `path` that is `null` or blank counts as absent.

use serde_json::{Map, Value};

use crate::core::error::{ScimError, ScimResult};
use crate::core::filter::ast::PatchPath;
use crate::core::filter::parse_patch_path;

pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The most operations one PATCH request may carry.
pub const MAX_PATCH_OPERATIONS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Replace,
    Remove,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: OpKind,
    /// The parsed path, and the path as the client wrote it (for error messages).
    pub path: Option<(PatchPath, String)>,
    /// `None` when the operation has no `value` member.
    pub value: Option<Value>,
}

/// Parses a PATCH body. Errors: 400 invalidSyntax for the envelope, 400 invalidPath for a
/// path that does not parse, 400 invalidValue for an add/replace without a value.
pub fn parse_patch_request(body: &Value) -> ScimResult<Vec<Operation>> {
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax(
            "The PATCH body must be a JSON object.",
        ));
    };
    match member(obj, "schemas") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) if list.is_empty() => {}
        Some(Value::Array(list))
            if list.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_URN))
            }) => {}
        Some(_) => {
            return Err(ScimError::invalid_syntax(format!(
                "The PATCH body's 'schemas' must contain \"{PATCH_OP_URN}\"."
            )))
        }
    }
    let Some(Value::Array(ops)) = member(obj, "Operations") else {
        return Err(ScimError::invalid_syntax(
            "The PATCH body must have an 'Operations' array.",
        ));
    };
    // RFC 7644 §3.5.2: "an array of one or more PATCH operations".
    if ops.is_empty() {
        return Err(ScimError::invalid_syntax(
            "The PATCH body's 'Operations' array is empty.",
        ));
    }
    if ops.len() > MAX_PATCH_OPERATIONS {
        return Err(ScimError::invalid_value(format!(
            "A PATCH request may carry at most {MAX_PATCH_OPERATIONS} operations."
        )));
    }
    ops.iter()
        .enumerate()
        .map(|(i, op)| parse_operation(op, i))
        .collect()
}

fn parse_operation(op: &Value, index: usize) -> ScimResult<Operation> {
    let Value::Object(obj) = op else {
        return Err(ScimError::invalid_syntax(format!(
            "Operations[{index}] must be a JSON object."
        )));
    };
    let kind = match member(obj, "op").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("add") => OpKind::Add,
        Some(s) if s.eq_ignore_ascii_case("replace") => OpKind::Replace,
        Some(s) if s.eq_ignore_ascii_case("remove") => OpKind::Remove,
        Some(s) => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{index}].op \"{s}\" is not one of add, replace, remove."
            )))
        }
        None => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{index}] must have an 'op' string."
            )))
        }
    };
    let path = match member(obj, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some((parse_patch_path(s)?, s.trim().to_owned())),
        Some(_) => {
            return Err(ScimError::invalid_path(format!(
                "Operations[{index}].path must be a string."
            )))
        }
    };
    let value = member(obj, "value").cloned();
    // RFC 7644 §3.5.2.1, §3.5.2.3: add and replace "MUST contain a 'value' member".
    if kind != OpKind::Remove && value.is_none() {
        return Err(ScimError::invalid_value(format!(
            "Operations[{index}] ({}) must have a 'value'.",
            if kind == OpKind::Add {
                "add"
            } else {
                "replace"
            }
        )));
    }
    // RFC 7644 §3.5.2.2: a remove without a path fails with noTarget.
    if kind == OpKind::Remove && path.is_none() {
        return Err(ScimError::no_target(format!(
            "Operations[{index}] (remove) must have a 'path'."
        )));
    }
    Ok(Operation {
        op: kind,
        path,
        value,
    })
}

/// A JSON member by case-insensitive name.
fn member<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_entra_capitalised_ops_and_okta_pathless_ops() {
        let ops = parse_patch_request(&json!({
            "schemas":[PATCH_OP_URN],
            "Operations":[
                {"op":"Replace","path":"active","value":"False"},
                {"OP":"add","Path":"emails[type eq \"work\"].value","VALUE":"a@b"},
                {"op":"replace","value":{"active":false}},
                {"op":"Remove","path":"members[value eq \"x\"]"}]}))
        .expect("valid");
        let kinds: Vec<OpKind> = ops.iter().map(|o| o.op).collect();
        assert_eq!(
            kinds,
            [
                OpKind::Replace,
                OpKind::Add,
                OpKind::Replace,
                OpKind::Remove
            ]
        );
        assert_eq!(
            ops[1].path.as_ref().map(|p| p.1.as_str()),
            Some("emails[type eq \"work\"].value")
        );
        assert!(ops[2].path.is_none());
        assert!(ops[3].value.is_none());
    }

    #[test]
    fn accepts_missing_schemas_but_rejects_the_wrong_one() {
        let ops = json!([{"op":"add","path":"nickName","value":"Babs"}]);
        assert!(parse_patch_request(&json!({ "Operations": ops })).is_ok());
        assert!(parse_patch_request(&json!({ "schemas": [], "operations": ops })).is_ok());
        let err = parse_patch_request(&json!({
            "schemas":["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": ops}))
        .expect_err("wrong schema");
        assert_eq!(
            err.scim_type,
            Some(crate::core::error::ScimType::InvalidSyntax)
        );
    }

    #[test]
    fn rejects_malformed_operations() {
        let cases = [
            (json!("x"), "invalidSyntax"),
            (json!({}), "invalidSyntax"),
            (json!({"Operations": []}), "invalidSyntax"),
            (json!({"Operations": [1]}), "invalidSyntax"),
            (
                json!({"Operations": [{"op":"merge","path":"a","value":1}]}),
                "invalidSyntax",
            ),
            (
                json!({"Operations": [{"path":"a","value":1}]}),
                "invalidSyntax",
            ),
            (
                json!({"Operations": [{"op":"add","path":"nickName"}]}),
                "invalidValue",
            ),
            (json!({"Operations": [{"op":"remove"}]}), "noTarget"),
            (
                json!({"Operations": [{"op":"remove","path":"emails[type eq"}]}),
                "invalidPath",
            ),
            (
                json!({"Operations": [{"op":"remove","path":7}]}),
                "invalidPath",
            ),
        ];
        for (body, want) in cases {
            let err = parse_patch_request(&body).expect_err(&body.to_string());
            assert_eq!(err.scim_type.map(|t| t.as_str()), Some(want), "{body}");
        }
    }
}
