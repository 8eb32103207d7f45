//! PATCH of a User (RFC 7644 §3.5.2) on its stored document.

use serde_json::Value;

use super::engine::Work;
use super::request::{parse_patch_request, Operation};
use super::shared::expand;
use crate::core::error::ScimResult;
use crate::core::schema::ResourceType;

/// The outcome of a User PATCH.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPatch {
    /// The new stored document.
    pub doc: Value,
    /// An operation carried a `password` (validated, not stored).
    pub password_supplied: bool,
}

/// Applies `ops` to a stored User document; all or nothing.
pub fn apply_user_patch(doc: &Value, ops: &[Operation]) -> ScimResult<UserPatch> {
    let mut work = Work::new(ResourceType::User, doc)?;
    for op in ops {
        for step in expand(ResourceType::User, op)? {
            work.apply(&step)?;
        }
    }
    let password_supplied = work.password_supplied;
    Ok(UserPatch {
        doc: work.finish(doc)?,
        password_supplied,
    })
}

/// Parses a PatchOp body and applies it to a stored User document.
pub fn patch_user(doc: &Value, body: &Value) -> ScimResult<UserPatch> {
    apply_user_patch(doc, &parse_patch_request(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ops(list: Value) -> Value {
        json!({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":list})
    }

    #[test]
    fn a_failing_operation_leaves_nothing_applied() {
        let doc = json!({"userName":"a","title":"t"});
        let err = patch_user(
            &doc,
            &ops(json!([
                {"op":"replace","path":"title","value":"new"},
                {"op":"replace","path":"active","value":"nope"}])),
        )
        .expect_err("second op fails");
        assert_eq!(err.detail, "Attribute 'active' must be a boolean.");
        assert_eq!(doc, json!({"userName":"a","title":"t"}));
    }

    #[test]
    fn explicit_read_only_paths_are_mutability_errors_but_pathless_id_is_ignored() {
        let doc = json!({"userName":"a"});
        for path in ["id", "meta.created", "groups", "groups[value eq \"g\"]"] {
            let err = patch_user(
                &doc,
                &ops(json!([{"op":"replace","path":path,"value":"x"}])),
            )
            .expect_err(path);
            assert_eq!(
                err.scim_type.map(|t| t.as_str()),
                Some("mutability"),
                "{path}"
            );
        }
        let ok = patch_user(
            &doc,
            &ops(json!([{"op":"replace","value":{"id":"x","meta":{},"schemas":[],"groups":[],"nickName":"n"}}])),
        )
        .expect("tolerated");
        assert_eq!(ok.doc, json!({"userName":"a","nickName":"n"}));
    }

    #[test]
    fn password_is_validated_and_dropped() {
        let doc = json!({"userName":"a"});
        let p = patch_user(
            &doc,
            &ops(json!([{"op":"replace","value":{"password":"s3cret"}}])),
        )
        .expect("ok");
        assert!(p.password_supplied);
        assert_eq!(p.doc, doc);
        let err = patch_user(
            &doc,
            &ops(json!([{"op":"replace","path":"password","value":1}])),
        )
        .expect_err("not a string");
        assert_eq!(err.detail, "Attribute 'password' must be a string.");
    }

    #[test]
    fn pathless_values_apply_each_key_as_a_path() {
        let doc = json!({"userName":"a","name":{"givenName":"G","familyName":"F"}});
        let p = patch_user(
            &doc,
            &ops(json!([{"op":"replace","value":{
                "displayName":"D",
                "name.givenName":"G2",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"7",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Dep"},
                "emails[type eq \"work\"].value":"w@x"}}])),
        )
        .expect("ok");
        assert_eq!(
            p.doc,
            json!({"userName":"a","displayName":"D","name":{"givenName":"G2","familyName":"F"},
                "emails":[{"type":"work","value":"w@x"}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"7","department":"Dep"}})
        );
    }

    #[test]
    fn user_patch_errors() {
        let doc = json!({"userName":"a"});
        let cases = [
            (json!([{"op":"remove","path":"userName"}]), "mutability"),
            (
                json!([{"op":"replace","path":"userName","value":null}]),
                "mutability",
            ),
            (
                json!([{"op":"replace","path":"userName","value":""}]),
                "invalidValue",
            ),
            (
                json!([{"op":"add","path":"shoeSize","value":"9"}]),
                "invalidPath",
            ),
            (
                json!([{"op":"add","value":{"shoeSize":"9"}}]),
                "invalidPath",
            ),
            (
                json!([{"op":"add","value":{"name.nope":"9"}}]),
                "invalidPath",
            ),
            (json!([{"op":"add","value":"x"}]), "invalidValue"),
            (
                json!([{"op":"add","path":"title[type eq \"x\"]","value":"x"}]),
                "invalidPath",
            ),
            (
                json!([{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":"x"}]),
                "invalidValue",
            ),
        ];
        for (list, want) in cases {
            let err = patch_user(&doc, &ops(list.clone())).expect_err(&list.to_string());
            assert_eq!(err.scim_type.map(|t| t.as_str()), Some(want), "{list}");
        }
    }
}
