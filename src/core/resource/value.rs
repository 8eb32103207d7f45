//! Type checking and normalisation of one attribute value against its schema definition
//! (RFC 7643 §2.3). POST, PUT and PATCH all go through these functions, so a value is
//! accepted or rejected the same way whichever verb carries it.

use base64::Engine;
use serde_json::{Map, Value};

use super::text::check_text;
use crate::core::datetime::is_datetime;
use crate::core::error::{ScimError, ScimResult};
use crate::core::schema::attribute::{AttrType, AttributeDef, Mutability};

/// The longest string value we store, in bytes (8 KiB). Nothing in the User or Group schema
/// needs more; a larger value is almost certainly an error or abuse of the store.
pub const MAX_STRING_BYTES: usize = 8 * 1024;

/// The most elements one multi-valued attribute may hold.
pub const MAX_MULTI_VALUES: usize = 1000;

/// The elements of a multi-valued value, each with its label for error messages
/// (`emails[2]`). The schema decides the shape (RFC 7643 §2.4, `multiValued`): a multi-valued
/// attribute's value is a JSON array, and a lone object is refused rather than guessed at.
pub(crate) fn labelled_elements<'v>(
    value: &'v Value,
    label: &str,
) -> ScimResult<Vec<(String, &'v Value)>> {
    match value {
        Value::Array(items) => Ok(items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{label}[{i}]"), v))
            .collect()),
        _ => Err(not_a_list(label)),
    }
}

/// A multi-valued attribute given one value instead of a list.
pub(crate) fn not_a_list(label: &str) -> ScimError {
    ScimError::invalid_value(format!(
        "Attribute '{label}' is multi-valued; its value must be a JSON array."
    ))
}

/// A single-valued attribute (or sub-attribute) given a list.
pub(crate) fn not_single(label: &str) -> ScimError {
    ScimError::invalid_value(format!(
        "Attribute '{label}' is single-valued; its value must not be a JSON array."
    ))
}

/// Normalises a whole attribute value (singular or multi-valued). `None` means "unassigned":
/// JSON `null` (RFC 7643 §2.5) and an empty array (RFC 7644 §3.5.2 treats `[]` as no values)
/// both drop the attribute. `label` names the attribute in error messages.
pub(crate) fn normalize_attr(
    def: &AttributeDef,
    value: &Value,
    label: &str,
) -> ScimResult<Option<Value>> {
    if value.is_null() {
        return Ok(None);
    }
    if !def.multi_valued {
        if value.is_array() {
            return Err(not_single(label));
        }
        return normalize_single(def, value, label);
    }
    let items = labelled_elements(value, label)?;
    if items.len() > MAX_MULTI_VALUES {
        return Err(ScimError::invalid_value(format!(
            "Attribute '{label}' has more than {MAX_MULTI_VALUES} values."
        )));
    }
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for (item_label, item) in items {
        if let Some(v) = normalize_single(def, item, &item_label)? {
            // Identical values collapse: a set of values has no duplicates (RFC 7643 §2.4).
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    enforce_single_primary(&mut out);
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

/// RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once." When a
/// client marks several, the LAST one marked stays primary and the others are cleared: the
/// later value is the most recent assertion, and the rule is deterministic.
pub(crate) fn enforce_single_primary(items: &mut [Value]) {
    let is_primary = |v: &Value| v.get("primary") == Some(&Value::Bool(true));
    let Some(last) = items.iter().rposition(is_primary) else {
        return;
    };
    for (i, item) in items.iter_mut().enumerate() {
        if i != last && is_primary(item) {
            if let Some(obj) = item.as_object_mut() {
                obj.insert("primary".to_owned(), Value::Bool(false));
            }
        }
    }
}

/// Normalises one value of `def`: the attribute itself when singular, or one element of a
/// multi-valued attribute.
pub(crate) fn normalize_single(
    def: &AttributeDef,
    value: &Value,
    label: &str,
) -> ScimResult<Option<Value>> {
    if def.ty != AttrType::Complex {
        return normalize_scalar(def, value, label);
    }
    if !def.multi_valued && value.is_array() {
        return Err(not_single(label));
    }
    match value {
        Value::Null => Ok(None),
        Value::Object(obj) => normalize_complex(def, obj, label),
        // Entra sends the enterprise `manager` as a bare id ("manager":"271"); a singular
        // complex attribute with a `value` sub-attribute reads a scalar as `{"value": …}`.
        scalar if !def.multi_valued && def.sub_attribute("value").is_some() => {
            let mut obj = Map::new();
            obj.insert("value".to_owned(), scalar.clone());
            normalize_complex(def, &obj, label)
        }
        _ => Err(ScimError::invalid_value(format!(
            "Attribute '{label}' must be a complex object."
        ))),
    }
}

/// A complex value: every key must be a sub-attribute (case-insensitive, stored under its
/// canonical name); readOnly sub-attributes are ignored (RFC 7644 §3.5.1); nulls drop.
fn normalize_complex(
    def: &AttributeDef,
    obj: &Map<String, Value>,
    label: &str,
) -> ScimResult<Option<Value>> {
    let mut out = Map::new();
    for (key, v) in obj {
        let Some(sub) = def.sub_attribute(key) else {
            return Err(ScimError::invalid_value(format!(
                "Attribute '{label}.{key}' is not defined by the schema."
            )));
        };
        let sub_label = format!("{label}.{}", sub.name);
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        if let Some(v) = normalize_scalar(sub, v, &sub_label)? {
            if out.insert(sub.name.to_owned(), v).is_some() {
                return Err(duplicate(&sub_label));
            }
        }
    }
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

pub(crate) fn duplicate(label: &str) -> ScimError {
    ScimError::invalid_syntax(format!("Attribute '{label}' appears more than once."))
}

/// A simple (non-complex) value, checked against its type (RFC 7643 §2.3).
pub(crate) fn normalize_scalar(
    def: &AttributeDef,
    value: &Value,
    label: &str,
) -> ScimResult<Option<Value>> {
    let fail =
        |what: &str| ScimError::invalid_value(format!("Attribute '{label}' must be {what}."));
    if value.is_null() {
        return Ok(None);
    }
    // Sub-attributes and simple attributes are single-valued: RFC 7643 §2.4 allows no
    // multi-valued sub-attribute, and the multi-valued simple attributes go through
    // `normalize_attr` element by element.
    if value.is_array() {
        return Err(not_single(label));
    }
    let v = match def.ty {
        AttrType::Boolean => match value {
            Value::Bool(_) => value.clone(),
            // Entra sends "True"/"False" in PATCH without aadOptscim062020
            // (AzureAD/SCIMReferenceCode#21; Microsoft's SCIM compatibility notes,
            // learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility),
            // OneLogin templates send "true".
            Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Value::Bool(true),
            Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => return Err(fail("a boolean")),
        },
        AttrType::String => {
            let s = value.as_str().ok_or_else(|| fail("a string"))?;
            check_text(def, s, label)?;
            check_len(s, label)?
        }
        AttrType::Reference => {
            let s = value
                .as_str()
                .ok_or_else(|| fail("a reference (URI string)"))?;
            check_text(def, s, label)?;
            if s.is_empty() || s.chars().any(char::is_whitespace) {
                return Err(fail("a reference (URI string) without spaces"));
            }
            check_len(s, label)?
        }
        AttrType::DateTime => {
            let s = value
                .as_str()
                .ok_or_else(|| fail("an xsd:dateTime string"))?;
            if !is_datetime(s) {
                return Err(fail("an xsd:dateTime string such as 2008-01-23T04:56:22Z"));
            }
            value.clone()
        }
        AttrType::Binary => {
            // RFC 7643 §2.3.6: base64 (RFC 4648 §4); line breaks are tolerated.
            let s = value.as_str().ok_or_else(|| fail("a base64 string"))?;
            let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            if base64::engine::general_purpose::STANDARD
                .decode(compact.as_bytes())
                .is_err()
            {
                return Err(fail("a base64 string"));
            }
            check_len(s, label)?
        }
        AttrType::Integer => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => value.clone(),
            _ => return Err(fail("an integer")),
        },
        AttrType::Decimal => match value {
            Value::Number(_) => value.clone(),
            _ => return Err(fail("a number")),
        },
        AttrType::Complex => return Err(fail("a complex object")),
    };
    Ok(Some(v))
}

fn check_len(s: &str, label: &str) -> ScimResult<Value> {
    if s.len() > MAX_STRING_BYTES {
        return Err(ScimError::invalid_value(format!(
            "Attribute '{label}' is longer than {MAX_STRING_BYTES} bytes."
        )));
    }
    Ok(Value::String(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::schema::enterprise_user::ENTERPRISE_USER_SCHEMA;
    use crate::core::schema::user::USER_SCHEMA;
    use serde_json::json;

    fn user_attr(name: &str) -> &'static AttributeDef {
        USER_SCHEMA.attribute(name).expect("attribute")
    }

    #[test]
    fn normalises_or_rejects_values_by_type() {
        let long = "x".repeat(MAX_STRING_BYTES + 1);
        type Case = (
            &'static AttributeDef,
            Value,
            Result<Option<Value>, &'static str>,
        );
        let cases: Vec<Case> = vec![
            (user_attr("active"), json!("False"), Ok(Some(json!(false)))),
            (user_attr("active"), json!("TRUE"), Ok(Some(json!(true)))),
            (user_attr("active"), json!(true), Ok(Some(json!(true)))),
            (
                user_attr("active"),
                json!("yes"),
                Err("Attribute 'x' must be a boolean."),
            ),
            (
                user_attr("active"),
                json!(1),
                Err("Attribute 'x' must be a boolean."),
            ),
            (user_attr("active"), Value::Null, Ok(None)),
            (
                user_attr("userName"),
                json!(5),
                Err("Attribute 'x' must be a string."),
            ),
            (
                user_attr("userName"),
                json!(long),
                Err("Attribute 'x' is longer than 8192 bytes."),
            ),
            (
                user_attr("profileUrl"),
                json!("https://x/y"),
                Ok(Some(json!("https://x/y"))),
            ),
            (
                user_attr("profileUrl"),
                json!("not a uri"),
                Err("Attribute 'x' must be a reference (URI string) without spaces."),
            ),
            (user_attr("emails"), json!([]), Ok(None)),
            (
                user_attr("emails"),
                json!([{"VALUE": "a@b", "Type": "work", "primary": "True"}]),
                Ok(Some(
                    json!([{"value": "a@b", "type": "work", "primary": true}]),
                )),
            ),
            (
                user_attr("emails"),
                json!({"value": "a@b"}),
                Err("Attribute 'x' is multi-valued; its value must be a JSON array."),
            ),
            (
                user_attr("name"),
                json!([{"givenName": "G"}]),
                Err("Attribute 'x' is single-valued; its value must not be a JSON array."),
            ),
            (
                user_attr("userName"),
                json!(["bob"]),
                Err("Attribute 'x' is single-valued; its value must not be a JSON array."),
            ),
            (
                user_attr("emails"),
                json!([{"value": ["a@b"]}]),
                Err("Attribute 'x[0].value' is single-valued; its value must not be a JSON array."),
            ),
            (
                user_attr("userName"),
                json!("bob\u{0}"),
                Err("Attribute 'x' must not contain control characters (U+0000 at character 4)."),
            ),
            (
                user_attr("emails"),
                json!([{"value": "a@b", "type": "work\u{1b}[31m"}]),
                Err("Attribute 'x[0].type' must not contain control characters (U+001B at character 5)."),
            ),
            (
                user_attr("profileUrl"),
                json!("https://x/\u{0}"),
                Err("Attribute 'x' must not contain control characters (U+0000 at character 11)."),
            ),
            (
                user_attr("emails"),
                json!([{"value": "a@b"}, {"value": "a@b"}, null, {}]),
                Ok(Some(json!([{"value": "a@b"}]))),
            ),
            (
                user_attr("emails"),
                json!([{"value": "a@b", "primary": 3}]),
                Err("Attribute 'x[0].primary' must be a boolean."),
            ),
            (
                user_attr("emails"),
                json!([{"value": "a@b", "colour": "red"}]),
                Err("Attribute 'x[0].colour' is not defined by the schema."),
            ),
            (
                user_attr("emails"),
                json!(["a@b"]),
                Err("Attribute 'x[0]' must be a complex object."),
            ),
            (
                user_attr("emails"),
                json!([
                    {"value": "a", "primary": true},
                    {"value": "b", "primary": true},
                    {"value": "c", "primary": true},
                    {"value": "d"}
                ]),
                Ok(Some(json!([
                    {"value": "a", "primary": false},
                    {"value": "b", "primary": false},
                    {"value": "c", "primary": true},
                    {"value": "d"}
                ]))),
            ),
            (user_attr("name"), json!({"givenName": null}), Ok(None)),
            (
                user_attr("name"),
                json!("Bob"),
                Err("Attribute 'x' must be a complex object."),
            ),
            (
                user_attr("x509Certificates"),
                json!([{"value": "TUlJRGRq\nQ0NBbDZn"}]),
                Ok(Some(json!([{"value": "TUlJRGRq\nQ0NBbDZn"}]))),
            ),
            (
                user_attr("x509Certificates"),
                json!([{"value": "not*base64"}]),
                Err("Attribute 'x[0].value' must be a base64 string."),
            ),
            (
                user_attr("groups"),
                json!([{"value": "g1", "display": "G"}]),
                Ok(None),
            ),
            (
                user_attr("roles"),
                json!([{"value": "{\"id\":\"1\",\"value\":\"25\"}"}]),
                Ok(Some(json!([{"value": "{\"id\":\"1\",\"value\":\"25\"}"}]))),
            ),
        ];
        for (def, input, want) in cases {
            let got = normalize_attr(def, &input, "x").map_err(|e| e.detail);
            assert_eq!(got, want.map_err(str::to_owned), "{} {input}", def.name);
        }
    }

    #[test]
    fn manager_as_a_bare_string_becomes_an_object_and_drops_read_only_display_name() {
        let manager = ENTERPRISE_USER_SCHEMA
            .attribute("manager")
            .expect("manager");
        let got = normalize_attr(manager, &json!("271"), "manager").expect("ok");
        assert_eq!(got, Some(json!({"value": "271"})));
        let got = normalize_attr(
            manager,
            &json!({"value": "9", "displayName": "Boss", "$ref": null}),
            "manager",
        )
        .expect("ok");
        assert_eq!(got, Some(json!({"value": "9"})));
    }

    #[test]
    fn date_time_values_are_checked() {
        use crate::core::schema::common::common_attribute;
        let meta = common_attribute("meta").expect("meta");
        let created = meta.sub_attribute("created").expect("created");
        assert!(normalize_scalar(created, &json!("2018-03-27T19:59:26.000Z"), "c").is_ok());
        let err = normalize_scalar(created, &json!("27/03/2018"), "c").expect_err("bad");
        assert_eq!(
            err.scim_type,
            Some(crate::core::error::ScimType::InvalidValue)
        );
    }
}
