//! The `immutable` rule for replacements (RFC 7644 §3.5.1): "If one or more values are already
//! set for the attribute, the input value(s) MUST match, or HTTP status code 400 SHOULD be
//! returned with a 'scimType' of 'mutability'."

use serde_json::{Map, Value};

use crate::core::error::{ScimError, ScimResult};
use crate::core::schema::attribute::{AttributeDef, Mutability};
use crate::core::schema::ResourceType;

/// Checks a replacement document `new` against the stored `old` one (both in stored form).
/// Group `members` are not in the document; their per-element immutability only concerns
/// PATCH, where a member is added or removed, never edited.
pub fn check_immutable(rt: ResourceType, old: &Value, new: &Value) -> ScimResult<()> {
    let empty = Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    check_attrs(rt.core_schema().attributes, old, new, "")?;
    for ext in rt.extensions() {
        let sub = |m: &Map<String, Value>| m.get(ext.id).and_then(Value::as_object).cloned();
        let (o, n) = (sub(old).unwrap_or_default(), sub(new).unwrap_or_default());
        check_attrs(ext.attributes, &o, &n, &format!("{}:", ext.id))?;
    }
    Ok(())
}

pub(crate) fn check_attrs(
    attrs: &[AttributeDef],
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    prefix: &str,
) -> ScimResult<()> {
    for attr in attrs {
        let (o, n) = (old.get(attr.name), new.get(attr.name));
        if attr.mutability == Mutability::Immutable {
            if let Some(o) = o {
                if n != Some(o) {
                    return Err(changed(&format!("{prefix}{}", attr.name)));
                }
            }
            continue;
        }
        // Immutable sub-attributes of a singular complex attribute.
        if attr.is_complex() && !attr.multi_valued {
            if let (Some(Value::Object(o)), n) = (o, n) {
                let empty = Map::new();
                let n = n.and_then(Value::as_object).unwrap_or(&empty);
                check_attrs(
                    attr.sub_attributes,
                    o,
                    n,
                    &format!("{prefix}{}.", attr.name),
                )?;
            }
        }
    }
    Ok(())
}

pub(crate) fn changed(name: &str) -> ScimError {
    ScimError::mutability(format!(
        "Attribute '{name}' is immutable and cannot be changed."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static SUBS: [AttributeDef; 2] = [
        AttributeDef::string("serial", "").immutable(),
        AttributeDef::string("label", ""),
    ];
    static ATTRS: [AttributeDef; 3] = [
        AttributeDef::string("badge", "").immutable(),
        AttributeDef::string("nick", ""),
        AttributeDef::complex("device", &SUBS, ""),
    ];

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn immutable_values_may_be_set_once_and_never_changed() {
        let cases = [
            (json!({}), json!({"badge":"1"}), None),
            (json!({"badge":"1"}), json!({"badge":"1","nick":"n"}), None),
            (json!({"badge":"1"}), json!({"badge":"2"}), Some("badge")),
            (json!({"badge":"1"}), json!({}), Some("badge")),
            (
                json!({"device":{"serial":"s"}}),
                json!({"device":{"serial":"s","label":"x"}}),
                None,
            ),
            (
                json!({"device":{"serial":"s"}}),
                json!({"device":{"serial":"t"}}),
                Some("device.serial"),
            ),
            (
                json!({"device":{"label":"a"}}),
                json!({"device":{"serial":"t"}}),
                None,
            ),
            (
                json!({"device":{"serial":"s"}}),
                json!({}),
                Some("device.serial"),
            ),
        ];
        for (old, new, want) in cases {
            let got = check_attrs(&ATTRS, &map(old.clone()), &map(new.clone()), "");
            match want {
                None => assert!(got.is_ok(), "{old} -> {new}"),
                Some(name) => {
                    let err = got.expect_err("mutability");
                    assert_eq!(
                        err.scim_type,
                        Some(crate::core::error::ScimType::Mutability)
                    );
                    assert_eq!(
                        err.detail,
                        format!("Attribute '{name}' is immutable and cannot be changed.")
                    );
                }
            }
        }
    }

    #[test]
    fn user_and_group_documents_have_no_stored_immutable_attributes_today() {
        let old = json!({"userName":"a","name":{"givenName":"x"}});
        let new = json!({"userName":"b"});
        assert!(check_immutable(ResourceType::User, &old, &new).is_ok());
        assert!(check_immutable(
            ResourceType::Group,
            &json!({"displayName":"a"}),
            &json!({"displayName":"b"})
        )
        .is_ok());
    }
}
