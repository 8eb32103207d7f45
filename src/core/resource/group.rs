//! Group request bodies (RFC 7644 §3.3 POST, §3.5.1 PUT) → the stored Group document plus the
//! member list, which the service keeps as rows.

use serde_json::Value;

use super::body::parse_body;
use super::member::{parse_members, Member};
use crate::core::error::{ScimError, ScimResult};
use crate::core::schema::group::MAX_GROUP_DISPLAY_NAME_CHARS;
use crate::core::schema::ResourceType;

/// A validated Group body.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedGroup {
    /// The stored document: `displayName`, `externalId`; never `members`.
    pub doc: Value,
    /// `None` when the body has no `members` key (for PUT the service decides whether that
    /// keeps or clears the members; RFC 7644 §3.5.1 lets it treat them as "not asserted");
    /// `Some(list)` when it has one (`null` and `[]` give an empty list).
    pub members: Option<Vec<Member>>,
}

/// Validates and normalises a Group POST/PUT body.
pub fn parse_group_body(body: &Value) -> ScimResult<ParsedGroup> {
    let raw = parse_body(ResourceType::Group, body)?;
    let doc = Value::Object(raw.doc);
    check_group_doc(&doc)?;
    let members = match &raw.members {
        Some(v) => Some(parse_members(v, "members")?),
        None => None,
    };
    Ok(ParsedGroup { doc, members })
}

/// Group-specific limits beyond the schema: `displayName` at most
/// `MAX_GROUP_DISPLAY_NAME_CHARS` (256) characters, so it stays usable as a unique key.
pub(crate) fn check_group_doc(doc: &Value) -> ScimResult<()> {
    if let Some(name) = display_name(doc) {
        if name.chars().count() > MAX_GROUP_DISPLAY_NAME_CHARS {
            return Err(ScimError::invalid_value(format!(
                "Attribute 'displayName' is too long: it must be {MAX_GROUP_DISPLAY_NAME_CHARS} characters or fewer."
            )));
        }
    }
    Ok(())
}

/// `displayName` of a stored Group document.
pub fn display_name(doc: &Value) -> Option<&str> {
    doc.get("displayName").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::resource::member::MemberKind;
    use serde_json::json;

    #[test]
    fn entra_create_group_with_microsoft_urn_is_accepted() {
        let body = json!({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
         "externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
         "displayName":"displayName",
         "meta":{"resourceType":"Group"}});
        let parsed = parse_group_body(&body).expect("valid");
        assert_eq!(
            parsed.doc,
            json!({"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName"})
        );
        assert_eq!(parsed.members, None);
    }

    #[test]
    fn okta_create_group_with_empty_members_gives_an_empty_list() {
        let body = json!({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName":"Test SCIMv2","members":[]});
        let parsed = parse_group_body(&body).expect("valid");
        assert_eq!(parsed.doc, json!({"displayName":"Test SCIMv2"}));
        assert_eq!(parsed.members, Some(vec![]));
    }

    #[test]
    fn members_are_returned_separately_and_deduplicated() {
        let body = json!({"displayName":"G","Members":[
            {"value":"u1","display":"U1","$ref":null},{"value":"g2","type":"Group"},{"value":"u1"}]});
        let parsed = parse_group_body(&body).expect("valid");
        assert!(parsed.doc.get("members").is_none());
        let members = parsed.members.expect("members");
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].value, "u1");
        assert_eq!(members[0].display.as_deref(), Some("U1"));
        assert_eq!(members[1].kind, MemberKind::Group);
    }

    #[test]
    fn invalid_group_bodies_are_rejected() {
        let long = "é".repeat(MAX_GROUP_DISPLAY_NAME_CHARS + 1);
        let ok_long = "é".repeat(MAX_GROUP_DISPLAY_NAME_CHARS);
        assert!(parse_group_body(&json!({ "displayName": ok_long })).is_ok());
        let cases = [
            (json!({"members":[]}), "Attribute 'displayName' is required."),
            (
                json!({ "displayName": long }),
                "Attribute 'displayName' is too long: it must be 256 characters or fewer.",
            ),
            (
                json!({"displayName":"G","userName":"x"}),
                "Attribute 'userName' is not defined by the schema.",
            ),
            (
                json!({"displayName":"G","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{}}),
                "Attribute 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' is not defined by the schema.",
            ),
            (
                json!({"displayName":"G","members":[{"value":"u","type":"Device"}]}),
                "Attribute 'members[0].type' must be 'User' or 'Group'.",
            ),
        ];
        for (body, detail) in cases {
            let err = parse_group_body(&body).expect_err(&body.to_string());
            assert_eq!(err.detail, detail, "{body}");
        }
    }
}
