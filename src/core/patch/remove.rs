//! The `remove` operation (RFC 7644 §3.5.2.2).

use serde_json::{Map, Value};

use super::shared::{elements, get, matching, remove_extension, set, set_elements, Target};
use crate::core::error::{ScimError, ScimResult};

/// RFC 7644 §3.5.2.2:
/// - an attribute (or `attr.sub`) is unassigned; `attr.sub` on a multi-valued attribute
///   removes that sub-attribute from every value;
/// - `attr[filter]` removes the matching values;
/// - `attr[filter].sub` removes the sub-attribute from matching values; when the
///   sub-attribute is `value`, the whole element goes, because an element without its value
///   means nothing (Entra's `Remove emails[type eq "work"].value` retires the work email).
///
/// A `value` sent with a remove is ignored: remove never sets (AzureAD/SCIMReferenceCode
/// PR#87 set it). Removing a required attribute is 400 mutability (RFC 7644 §3.5.2.2).
/// Removing something absent, or a filter matching nothing, is a no-op, so a retried
/// deprovisioning PATCH succeeds.
pub(crate) fn apply_remove(
    doc: &mut Map<String, Value>,
    target: &Target,
    label: &str,
) -> ScimResult<()> {
    match target {
        Target::Extension(ext) => {
            remove_extension(doc, ext);
            Ok(())
        }
        Target::Attr(r) => {
            if r.sub.is_none() && r.attr.required {
                return Err(ScimError::mutability(format!(
                    "Attribute '{label}' is required and cannot be removed."
                )));
            }
            match r.sub {
                None => set(doc, r, None),
                Some(sub) if r.attr.multi_valued => {
                    let mut items = elements(doc, r);
                    for item in &mut items {
                        if let Some(obj) = item.as_object_mut() {
                            obj.remove(sub.name);
                        }
                    }
                    set_elements(doc, r, items)
                }
                Some(sub) => {
                    let Some(Value::Object(mut obj)) = get(doc, r).cloned() else {
                        return Ok(());
                    };
                    obj.remove(sub.name);
                    set(doc, r, (!obj.is_empty()).then_some(Value::Object(obj)))
                }
            }
        }
        Target::Filtered { r, filter, sub } => {
            let items = elements(doc, r);
            let chosen = matching(r.attr, filter, &items);
            let mut kept = Vec::with_capacity(items.len());
            for (i, mut item) in items.into_iter().enumerate() {
                if !chosen.contains(&i) {
                    kept.push(item);
                    continue;
                }
                match sub {
                    Some(sub) if sub.name != "value" => {
                        if let Some(obj) = item.as_object_mut() {
                            obj.remove(sub.name);
                        }
                        kept.push(item);
                    }
                    _ => {}
                }
            }
            set_elements(doc, r, kept)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::filter::parse_patch_path;
    use crate::core::patch::shared::resolve_target;
    use crate::core::schema::ResourceType;
    use serde_json::json;

    fn remove(doc: Value, path: &str) -> Result<Value, String> {
        let mut doc = doc.as_object().cloned().unwrap_or_default();
        let p = parse_patch_path(path).map_err(|e| e.detail)?;
        let t = resolve_target(ResourceType::User, &p, path).map_err(|e| e.detail)?;
        apply_remove(&mut doc, &t, path).map_err(|e| e.detail)?;
        Ok(Value::Object(doc))
    }

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    #[test]
    fn remove_cases() {
        let emails = json!({"emails":[
            {"value":"h","type":"home","display":"H"},
            {"value":"w","type":"work","display":"W"}]});
        let cases = [
            (
                json!({"title":"t","nickName":"n"}),
                "title",
                json!({"nickName":"n"}),
            ),
            (json!({}), "title", json!({})),
            (emails.clone(), "emails", json!({})),
            (
                emails.clone(),
                "emails[type eq \"work\"]",
                json!({"emails":[{"value":"h","type":"home","display":"H"}]}),
            ),
            (
                emails.clone(),
                "emails[type eq \"work\"].value",
                json!({"emails":[{"value":"h","type":"home","display":"H"}]}),
            ),
            (
                emails.clone(),
                "emails[type eq \"work\"].display",
                json!({"emails":[{"value":"h","type":"home","display":"H"},{"value":"w","type":"work"}]}),
            ),
            (
                emails.clone(),
                "emails.display",
                json!({"emails":[{"value":"h","type":"home"},{"value":"w","type":"work"}]}),
            ),
            (emails.clone(), "emails[type eq \"other\"]", emails.clone()),
            (
                json!({"name":{"givenName":"G"}}),
                "name.givenName",
                json!({}),
            ),
            (
                json!({"name":{"givenName":"G","familyName":"F"}}),
                "name.givenName",
                json!({"name":{"familyName":"F"}}),
            ),
            (
                json!({ ENT: {"department":"d"} }),
                &format!("{ENT}:department"),
                json!({}),
            ),
            (
                json!({ ENT: {"department":"d","costCenter":"c"} }),
                &format!("{ENT}:department"),
                json!({ ENT: {"costCenter":"c"} }),
            ),
            (
                json!({"userName":"u", ENT: {"department":"d"} }),
                ENT,
                json!({"userName":"u"}),
            ),
        ];
        for (doc, path, want) in cases {
            assert_eq!(remove(doc, path), Ok(want), "{path}");
        }
    }

    #[test]
    fn removing_a_required_attribute_is_a_mutability_error() {
        assert_eq!(
            remove(json!({"userName":"u"}), "userName"),
            Err("Attribute 'userName' is required and cannot be removed.".to_owned())
        );
    }
}
