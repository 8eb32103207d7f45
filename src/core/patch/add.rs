//! The `add` operation (RFC 7644 §3.5.2.1).

use serde_json::{Map, Value};

use super::request::OpKind;
use super::shared::{elements, set_elements, settle_primary, Target};
use super::write::{assign, normalize_list};
use crate::core::error::ScimResult;

/// RFC 7644 §3.5.2.1: on a multi-valued attribute the values are added (identical values are
/// not added twice: a multi-valued attribute is a set, RFC 7643 §2.4); a new value with
/// `primary: true` takes primary from the existing ones. Everything else is `assign`: a
/// single-valued attribute is replaced, complex values merge.
pub(crate) fn apply_add(
    doc: &mut Map<String, Value>,
    target: &Target,
    value: &Value,
    label: &str,
) -> ScimResult<()> {
    let Some((r, new)) = normalize_list(target, value, label, OpKind::Add)? else {
        return assign(doc, target, value, label);
    };
    let mut items = elements(doc, &r);
    let mut added = Vec::new();
    for v in new {
        if !items.contains(&v) {
            items.push(v);
            added.push(items.len() - 1);
        }
    }
    settle_primary(&mut items, &added);
    set_elements(doc, &r, items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::filter::parse_patch_path;
    use crate::core::patch::shared::resolve_target;
    use crate::core::schema::ResourceType;
    use serde_json::json;

    fn add(doc: Value, path: &str, value: Value) -> Result<Value, String> {
        let mut doc = doc.as_object().cloned().unwrap_or_default();
        let p = parse_patch_path(path).map_err(|e| e.detail)?;
        let t = resolve_target(ResourceType::User, &p, path).map_err(|e| e.detail)?;
        apply_add(&mut doc, &t, &value, path).map_err(|e| e.detail)?;
        Ok(Value::Object(doc))
    }

    #[test]
    fn add_appends_replaces_or_merges_by_attribute_kind() {
        let cases = [
            (
                json!({"nickName":"A"}),
                "nickName",
                json!("Babs"),
                json!({"nickName":"Babs"}),
            ),
            (json!({}), "active", json!("False"), json!({"active":false})),
            (
                json!({"emails":[{"value":"a","primary":true}]}),
                "emails",
                json!([{"value":"b","primary":true}]),
                json!({"emails":[{"value":"a","primary":false},{"value":"b","primary":true}]}),
            ),
            (
                json!({"emails":[{"value":"a"}]}),
                "emails",
                json!([{"value":"a"}]),
                json!({"emails":[{"value":"a"}]}),
            ),
            (
                json!({"name":{"givenName":"G","familyName":"F"}}),
                "name",
                json!({"givenName":"H"}),
                json!({"name":{"givenName":"H","familyName":"F"}}),
            ),
            (
                json!({}),
                "name.familyName",
                json!("F"),
                json!({"name":{"familyName":"F"}}),
            ),
            (
                json!({}),
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                json!("271"),
                json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"271"}}}),
            ),
            (
                json!({"emails":[{"value":"h","type":"home","primary":true}]}),
                "emails[type eq \"work\"].value",
                json!("w"),
                json!({"emails":[{"value":"h","type":"home","primary":true},{"type":"work","value":"w"}]}),
            ),
            (
                json!({"emails":[{"value":"h","type":"home","primary":true},{"value":"w","type":"work"}]}),
                "emails[type eq \"work\"].primary",
                json!(true),
                json!({"emails":[{"value":"h","type":"home","primary":false},{"value":"w","type":"work","primary":true}]}),
            ),
        ];
        for (doc, path, value, want) in cases {
            assert_eq!(add(doc, path, value), Ok(want), "{path}");
        }
    }

    #[test]
    fn add_rejects_bad_values_and_unfiltered_multi_valued_sub_attributes() {
        let cases = [
            ("emails", json!([{"value":"a","primary":"x"}]), "Attribute 'emails[0].primary' must be a boolean."),
            ("active", json!("maybe"), "Attribute 'active' must be a boolean."),
            (
                "emails.value",
                json!("a"),
                "'emails.value' names a sub-attribute of every 'emails' value; select values with a filter such as emails[type eq \"work\"].value.",
            ),
            (
                "emails[value co \"x\"].type",
                json!("work"),
                "No value of 'emails' matches the filter in 'emails[value co \"x\"].type'.",
            ),
        ];
        for (path, value, want) in cases {
            assert_eq!(add(json!({}), path, value), Err(want.to_owned()), "{path}");
        }
    }
}
