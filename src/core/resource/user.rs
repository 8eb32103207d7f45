//! User request bodies (RFC 7644 §3.3 POST, §3.5.1 PUT) → the stored User document.

use serde_json::Value;

use super::body::parse_body;
use crate::core::error::ScimResult;
use crate::core::schema::ResourceType;

/// A validated User body.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedUser {
    /// The stored document (a JSON object; see the module docs of `core::resource`).
    pub doc: Value,
    /// The body carried a `password`. Nothing of it is kept; the service may log or refuse.
    pub password_supplied: bool,
}

/// Validates and normalises a User POST/PUT body.
pub fn parse_user_body(body: &Value) -> ScimResult<ParsedUser> {
    let raw = parse_body(ResourceType::User, body)?;
    Ok(ParsedUser {
        doc: Value::Object(raw.doc),
        password_supplied: raw.password_supplied,
    })
}

/// `userName` of a stored User document.
pub fn user_name(doc: &Value) -> Option<&str> {
    doc.get("userName").and_then(Value::as_str)
}

/// `active` of a stored User document; a user without the attribute counts as active.
pub fn is_active(doc: &Value) -> bool {
    doc.get("active").and_then(Value::as_bool).unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    #[test]
    fn entra_create_user_body_is_stored_without_envelope() {
        let body = json!({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
         "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
         "userName":"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
         "active":true,
         "emails":[{"primary":true,"type":"work","value":"Test_User_11bb@testuser.com"}],
         "meta":{"resourceType":"User"},
         "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
         "roles":[]});
        let parsed = parse_user_body(&body).expect("valid");
        assert_eq!(
            parsed.doc,
            json!({"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
             "userName":"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
             "active":true,
             "emails":[{"primary":true,"type":"work","value":"Test_User_11bb@testuser.com"}],
             "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"}})
        );
        assert!(!parsed.password_supplied);
    }

    #[test]
    fn entra_old_sample_with_nulls_and_malformed_urn_is_accepted() {
        let body = json!({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
         "userName":"a@b","displayName":"A","addresses":null,"phoneNumbers":null,"title":null,
         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":null,"manager":null}});
        let parsed = parse_user_body(&body).expect("valid");
        assert_eq!(parsed.doc, json!({"userName":"a@b","displayName":"A"}));
    }

    #[test]
    fn okta_create_user_ignores_groups_and_drops_password() {
        let body = json!({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
         "name":{"givenName":"Test","familyName":"User"},
         "emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
         "displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],
         "password":"1mz050nq","active":true});
        let parsed = parse_user_body(&body).expect("valid");
        assert!(parsed.password_supplied);
        assert!(parsed.doc.get("password").is_none());
        assert!(parsed.doc.get("groups").is_none());
        assert_eq!(parsed.doc["locale"], "en-US");
        assert!(is_active(&parsed.doc));
        assert_eq!(user_name(&parsed.doc), Some("test.user@okta.local"));
    }

    #[test]
    fn keys_are_canonicalised_and_extensions_merge_under_the_urn() {
        let body = json!({"USERNAME":"a","Name":{"GivenName":"G"},"active":"False",
         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Sales",
         "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"Manager":"271","employeeNumber":"7"},
         "urn:ietf:params:scim:schemas:core:2.0:User:title":"Boss",
         "id":"client-chosen","meta":{"created":"whenever"}});
        let parsed = parse_user_body(&body).expect("valid");
        assert_eq!(
            parsed.doc,
            json!({"userName":"a","name":{"givenName":"G"},"active":false,"title":"Boss",
              ENT:{"department":"Sales","manager":{"value":"271"},"employeeNumber":"7"}})
        );
        assert!(!is_active(&parsed.doc));
    }

    #[test]
    fn invalid_user_bodies_are_rejected_with_the_attribute_named() {
        let cases = [
            (json!({"displayName":"x"}), "invalidValue", "Attribute 'userName' is required."),
            (json!({"userName":"  "}), "invalidValue", "Attribute 'userName' must not be empty."),
            (json!({"userName":null}), "invalidValue", "Attribute 'userName' is required."),
            (json!([1]), "invalidSyntax", "The request body must be a JSON object."),
            (
                json!({"userName":"a","favouriteColour":"red"}),
                "invalidValue",
                "Attribute 'favouriteColour' is not defined by the schema.",
            ),
            (
                json!({"userName":"a","emails":[{"value":"x","primary":"maybe"}]}),
                "invalidValue",
                "Attribute 'emails[0].primary' must be a boolean.",
            ),
            (
                json!({"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"shoeSize":1}}),
                "invalidValue",
                "Attribute 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoeSize' is not defined by the schema.",
            ),
            (
                json!({"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}),
                "invalidValue",
                "Attribute 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' must be a JSON object of extension attributes.",
            ),
            (
                json!({"userName":"a","urn:ietf:params:scim:schemas:extension:other:User:x":"x"}),
                "invalidValue",
                "Attribute 'urn:ietf:params:scim:schemas:extension:other:User:x' is not defined by the schema.",
            ),
            (
                json!({"userName":"a","username":"b"}),
                "invalidSyntax",
                "Attribute 'userName' appears more than once.",
            ),
            (
                json!({"userName":"a","emails.value":"b"}),
                "invalidValue",
                "Attribute 'emails.value' names a sub-attribute of a multi-valued attribute; send 'emails' as a list.",
            ),
            (
                json!({"userName":"a","password":false}),
                "invalidValue",
                "Attribute 'password' must be a string.",
            ),
            (
                json!({"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"a"},
                       "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"b"}),
                "invalidSyntax",
                "Attribute 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department' appears more than once.",
            ),
        ];
        for (body, scim_type, detail) in cases {
            let err = parse_user_body(&body).expect_err(&body.to_string());
            assert_eq!(err.status, 400, "{body}");
            assert_eq!(err.scim_type.map(|t| t.as_str()), Some(scim_type), "{body}");
            assert_eq!(err.detail, detail, "{body}");
        }
    }
}
