//! The `schemas` list of a POST or PUT body (RFC 7643 §3): "an array of Strings containing
//! URIs that are used to indicate the namespaces of the SCIM schemas that define the attributes
//! present", which "MUST only contain values defined as 'schema' and 'schemaExtensions' for
//! the resource's defined 'resourceType'".
//!
//! A URN this service does not know is refused (400 `invalidValue`): the client means data
//! under a schema we would not keep, and dropping it without a word loses it. URNs real IdPs
//! send are known as aliases (reference/idp-traffic.md): Microsoft's ADSCIM Group URN in
//! Entra's group POSTs (no data of its own), Entra's malformed `…enterprise:2.0User` (read as
//! the enterprise extension), and the SCIM 1.1 core URN of OneLogin's JSON templates (read as
//! the core schema: the attributes are the same top-level names).
//!
//! When `schemas` is present, every extension object in the body must be listed in it. When it
//! is absent the body is read as before (leniency: several clients omit it entirely).

use serde_json::{Map, Value};

use crate::core::error::{ScimError, ScimResult};
use crate::core::schema::attribute::SchemaDef;
use crate::core::schema::enterprise_user::ENTERPRISE_USER_SCHEMA;
use crate::core::schema::ResourceType;

/// URNs IdPs send that name no schema of ours, and the extension each stands for (if any).
const ALIASES: &[(ResourceType, &str, Option<&SchemaDef>)] = &[
    (ResourceType::User, "urn:scim:schemas:core:1.0", None),
    (ResourceType::Group, "urn:scim:schemas:core:1.0", None),
    (
        ResourceType::Group,
        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
        None,
    ),
    (
        ResourceType::User,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0User",
        Some(&ENTERPRISE_USER_SCHEMA),
    ),
];

/// What a body's `schemas` declares.
#[derive(Debug)]
pub(crate) enum Declared {
    /// No `schemas` member (or `null`): extension objects are not checked against it.
    Absent,
    /// The extensions it lists.
    Extensions(Vec<&'static SchemaDef>),
}

impl Declared {
    /// Whether the body may carry the extension object `ext`.
    pub(crate) fn allows(&self, ext: &SchemaDef) -> bool {
        match self {
            Declared::Absent => true,
            Declared::Extensions(listed) => listed.iter().any(|e| e.id == ext.id),
        }
    }
}

/// Reads and checks the `schemas` member of `body` (found case-insensitively).
pub(crate) fn declared_schemas(
    rt: ResourceType,
    body: &Map<String, Value>,
) -> ScimResult<Declared> {
    let Some(value) = body
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("schemas"))
        .map(|(_, v)| v)
    else {
        return Ok(Declared::Absent);
    };
    let items = match value {
        Value::Null => return Ok(Declared::Absent),
        Value::Array(items) => items,
        _ => return Err(not_a_list()),
    };
    let mut extensions = Vec::new();
    for item in items {
        let urn = item.as_str().ok_or_else(not_a_list)?;
        if urn.eq_ignore_ascii_case(rt.core_schema().id) {
            continue;
        }
        let ext = match rt.extension(urn) {
            Some(ext) => Some(ext),
            None => match ALIASES
                .iter()
                .find(|(t, alias, _)| *t == rt && alias.eq_ignore_ascii_case(urn))
            {
                Some((_, _, ext)) => *ext,
                None => return Err(unknown_schema(rt, urn)),
            },
        };
        extensions.extend(ext);
    }
    Ok(Declared::Extensions(extensions))
}

fn not_a_list() -> ScimError {
    ScimError::invalid_value("Attribute 'schemas' must be a JSON array of schema URI strings.")
}

fn unknown_schema(rt: ResourceType, urn: &str) -> ScimError {
    let quoted: String = urn.chars().take(200).collect();
    ScimError::invalid_value(format!(
        "Schema '{}' is not a schema or schema extension of {} resources here; see /ResourceTypes and /Schemas.",
        quoted.escape_debug(),
        rt.core_schema().name
    ))
}

/// An extension object the body carries but its `schemas` does not list.
pub(crate) fn undeclared(ext: &SchemaDef) -> ScimError {
    ScimError::invalid_value(format!(
        "Extension '{}' is used but not listed in 'schemas' (RFC 7643 §3).",
        ext.id
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(rt: ResourceType, body: Value) -> Result<Vec<&'static str>, String> {
        let obj = body.as_object().unwrap().clone();
        match declared_schemas(rt, &obj).map_err(|e| e.detail)? {
            Declared::Absent => Ok(vec!["(absent)"]),
            Declared::Extensions(list) => Ok(list.iter().map(|e| e.id).collect()),
        }
    }

    #[test]
    fn known_urns_and_idp_aliases_pass_unknown_ones_are_named() {
        const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let user = ResourceType::User;
        let group = ResourceType::Group;
        assert_eq!(check(user, json!({})), Ok(vec!["(absent)"]));
        assert_eq!(check(user, json!({"schemas": null})), Ok(vec!["(absent)"]));
        assert_eq!(
            check(
                user,
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]})
            ),
            Ok(vec![])
        );
        assert_eq!(
            check(
                user,
                json!({"SCHEMAS": ["URN:IETF:params:scim:schemas:core:2.0:User", ENT]})
            ),
            Ok(vec![ENT])
        );
        assert_eq!(
            check(
                user,
                json!({"schemas": ["urn:ietf:params:scim:schemas:extension:enterprise:2.0User"]})
            ),
            Ok(vec![ENT])
        );
        assert_eq!(
            check(user, json!({"schemas": ["urn:scim:schemas:core:1.0"]})),
            Ok(vec![])
        );
        assert_eq!(
            check(
                group,
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"]})
            ),
            Ok(vec![])
        );
        for (rt, urn) in [
            (user, "urn:example:custom:1.0:User"),
            (user, "urn:ietf:params:scim:schemas:core:2.0:Group"),
            (group, ENT),
            (group, "urn:ietf:params:scim:schemas:core:2.0:User"),
            (
                user,
                "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
            ),
        ] {
            let err = check(rt, json!({"schemas": [urn]})).unwrap_err();
            assert!(err.starts_with(&format!("Schema '{urn}' is not")), "{err}");
        }
        for bad in [json!("urn:x"), json!([1]), json!({})] {
            assert_eq!(
                check(user, json!({"schemas": bad})),
                Err("Attribute 'schemas' must be a JSON array of schema URI strings.".into())
            );
        }
    }
}
