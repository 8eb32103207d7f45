//! The `replace` operation (RFC 7644 §3.5.2.3).

use serde_json::{Map, Value};

use super::request::OpKind;
use super::shared::{set_elements, Target};
use super::write::{assign, normalize_list};
use crate::core::error::ScimResult;

/// RFC 7644 §3.5.2.3: "If the target location is a multi-valued attribute and no filter is
/// specified, the attribute and all values are replaced." A filtered path with no match
/// creates the element when the filter says how (Entra); otherwise 400 noTarget as the RFC
/// requires. Everything else is `assign`.
pub(crate) fn apply_replace(
    doc: &mut Map<String, Value>,
    target: &Target,
    value: &Value,
    label: &str,
) -> ScimResult<()> {
    match normalize_list(target, value, label, OpKind::Replace)? {
        Some((r, items)) => set_elements(doc, &r, items),
        None => assign(doc, target, value, label),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::filter::parse_patch_path;
    use crate::core::patch::shared::resolve_target;
    use crate::core::schema::ResourceType;
    use serde_json::json;

    fn replace(doc: Value, path: &str, value: Value) -> Result<Value, String> {
        let mut doc = doc.as_object().cloned().unwrap_or_default();
        let p = parse_patch_path(path).map_err(|e| e.detail)?;
        let t = resolve_target(ResourceType::User, &p, path).map_err(|e| e.detail)?;
        apply_replace(&mut doc, &t, &value, path).map_err(|e| e.detail)?;
        Ok(Value::Object(doc))
    }

    #[test]
    fn replace_cases() {
        let two = json!({"emails":[{"value":"h","type":"home"},{"value":"w","type":"work"}]});
        let cases = [
            (
                two.clone(),
                "emails",
                json!([{"value":"n"}]),
                json!({"emails":[{"value":"n"}]}),
            ),
            (two.clone(), "emails", json!([]), json!({})),
            (two.clone(), "emails", json!(null), json!({})),
            (
                two.clone(),
                "emails[type eq \"work\"].value",
                json!("W2"),
                json!({"emails":[{"value":"h","type":"home"},{"value":"W2","type":"work"}]}),
            ),
            (
                two.clone(),
                "emails[TYPE eq \"WORK\"]",
                json!({"display":"Work"}),
                json!({"emails":[{"value":"h","type":"home"},{"value":"w","type":"work","display":"Work"}]}),
            ),
            (
                json!({}),
                "addresses[type eq \"work\"].country",
                json!("ML"),
                json!({"addresses":[{"type":"work","country":"ML"}]}),
            ),
            (
                json!({"userName":"a"}),
                "userName",
                json!("b"),
                json!({"userName":"b"}),
            ),
            (json!({"title":"t"}), "title", json!(null), json!({})),
            (
                json!({"name":{"givenName":"G"}}),
                "name.givenName",
                json!(null),
                json!({}),
            ),
        ];
        for (doc, path, value, want) in cases {
            assert_eq!(replace(doc, path, value), Ok(want), "{path}");
        }
    }
}
