//! Group members as the service stores them: rows of (member id, member type), never part of
//! the group document (RFC 7643 §4.2 "members").

use serde_json::Value;
use std::collections::HashSet;

use super::text::check_text;
use super::value::{labelled_elements, MAX_STRING_BYTES};
use crate::core::error::{ScimError, ScimResult};
use crate::core::schema::attribute::AttributeDef;

/// RFC 7643 §4.2: a member's `type` is "User" or "Group".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberKind {
    User,
    Group,
}

impl MemberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::User => "User",
            MemberKind::Group => "Group",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Member {
    /// The member's `id`.
    pub value: String,
    pub kind: MemberKind,
    /// The `display` the client sent, kept and returned as sent (see docs/groups.md).
    pub display: Option<String>,
}

impl Member {
    pub fn user(id: &str) -> Self {
        Member {
            value: id.to_owned(),
            kind: MemberKind::User,
            display: None,
        }
    }
}

/// Reads a `members` value: an array of `{value, type?, display?, $ref?}` (`null` as none; a
/// lone object is refused, as `members` is multi-valued; PATCH add/remove wrap one first).
/// `display` is kept (returned as sent); `$ref` is tolerated, including Entra's `"$ref": null`,
/// and not stored. `type` is matched case-insensitively and defaults
/// to User. Duplicate ids collapse to their first occurrence. `label` prefixes error paths.
pub(crate) fn parse_members(value: &Value, label: &str) -> ScimResult<Vec<Member>> {
    let items = match value {
        Value::Null => Vec::new(),
        _ => labelled_elements(value, label)?,
    };
    let mut out: Vec<Member> = Vec::with_capacity(items.len());
    // A set, not a scan of `out`: an initial load of 50,000 members stays linear.
    let mut seen: HashSet<String> = HashSet::with_capacity(items.len());
    for (item_label, item) in items {
        let member = parse_member(item, &item_label)?;
        if seen.insert(member.value.clone()) {
            out.push(member);
        }
    }
    Ok(out)
}

/// `members.display` and `members.$ref` are one-line strings (see `text.rs`).
const ONE_LINE: AttributeDef = AttributeDef::string("display", "");

fn parse_member(item: &Value, label: &str) -> ScimResult<Member> {
    let Value::Object(obj) = item else {
        return Err(ScimError::invalid_value(format!(
            "Attribute '{label}' must be an object with a 'value'."
        )));
    };
    let mut value = None;
    let mut kind = MemberKind::User;
    let mut display = None;
    for (key, v) in obj {
        let key_label = || format!("{label}.{key}");
        if key.eq_ignore_ascii_case("value") {
            match v {
                Value::String(s)
                    if !s.trim().is_empty()
                        && s.len() <= MAX_STRING_BYTES
                        && !s.chars().any(char::is_control) =>
                {
                    value = Some(s.clone());
                }
                _ => {
                    return Err(ScimError::invalid_value(format!(
                        "Attribute '{}' must be a non-empty member id.",
                        key_label()
                    )))
                }
            }
        } else if key.eq_ignore_ascii_case("type") {
            kind = match v {
                Value::Null => MemberKind::User,
                Value::String(s) if s.eq_ignore_ascii_case("user") => MemberKind::User,
                Value::String(s) if s.eq_ignore_ascii_case("group") => MemberKind::Group,
                _ => {
                    return Err(ScimError::invalid_value(format!(
                        "Attribute '{}' must be 'User' or 'Group'.",
                        key_label()
                    )))
                }
            };
        } else if key.eq_ignore_ascii_case("display") || key.eq_ignore_ascii_case("$ref") {
            match v {
                Value::Null => {}
                Value::String(s) if s.len() <= MAX_STRING_BYTES => {
                    if key.eq_ignore_ascii_case("display") {
                        display = Some(s.clone());
                    }
                }
                _ => {
                    return Err(ScimError::invalid_value(format!(
                        "Attribute '{}' must be a string of at most {MAX_STRING_BYTES} bytes.",
                        key_label()
                    )))
                }
            }
            if let Some(text) = v.as_str() {
                check_text(&ONE_LINE, text, &key_label())?;
            }
        } else {
            return Err(ScimError::invalid_value(format!(
                "Attribute '{}' is not defined by the schema.",
                key_label()
            )));
        }
    }
    let value = value.ok_or_else(|| {
        ScimError::invalid_value(format!("Attribute '{label}.value' is required."))
    })?;
    Ok(Member {
        value,
        kind,
        display,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_members_from_idp_shapes() {
        let group = Member {
            value: "g".into(),
            kind: MemberKind::Group,
            display: None,
        };
        let displayed = Member {
            display: Some("test.user@okta.local".into()),
            ..Member::user("u1")
        };
        let cases: Vec<(Value, Result<Vec<Member>, &str>)> = vec![
            (
                json!([{"$ref": null, "value": "u1"}]),
                Ok(vec![Member::user("u1")]),
            ),
            (
                json!([{"value": "u1", "display": "test.user@okta.local"}, {"value": "u1"}]),
                Ok(vec![displayed]),
            ),
            (json!([{"VALUE": "g", "Type": "group"}]), Ok(vec![group])),
            (
                json!({"value": "u2"}),
                Err("Attribute 'members' is multi-valued; its value must be a JSON array."),
            ),
            (
                json!([{"value": "u\u{0}"}]),
                Err("Attribute 'members[0].value' must be a non-empty member id."),
            ),
            (
                json!([{"value": "u", "display": "Bob\u{7}"}]),
                Err("Attribute 'members[0].display' must not contain control characters (U+0007 at character 4)."),
            ),
            (json!(null), Ok(vec![])),
            (json!([]), Ok(vec![])),
            (
                json!(["u1"]),
                Err("Attribute 'members[0]' must be an object with a 'value'."),
            ),
            (
                json!([{"display": "x"}]),
                Err("Attribute 'members[0].value' is required."),
            ),
            (
                json!([{"value": ""}]),
                Err("Attribute 'members[0].value' must be a non-empty member id."),
            ),
            (
                json!([{"value": 7}]),
                Err("Attribute 'members[0].value' must be a non-empty member id."),
            ),
            (
                json!([{"value": "u", "type": "Robot"}]),
                Err("Attribute 'members[0].type' must be 'User' or 'Group'."),
            ),
            (
                json!([{"value": "u", "extra": 1}]),
                Err("Attribute 'members[0].extra' is not defined by the schema."),
            ),
        ];
        for (input, want) in cases {
            let got = parse_members(&input, "members").map_err(|e| e.detail);
            assert_eq!(got, want.map_err(str::to_owned), "{input}");
        }
    }

    #[test]
    fn duplicate_ids_collapse_to_the_first_in_linear_time() {
        let many: Vec<Value> = (0..50_000)
            .map(|i| serde_json::json!({"value": format!("id-{}", i % 25_000)}))
            .collect();
        let members = parse_members(&Value::Array(many), "members").unwrap();
        assert_eq!(members.len(), 25_000);
        assert_eq!(members[0].value, "id-0");
        assert_eq!(members[24_999].value, "id-24999");
    }
}
