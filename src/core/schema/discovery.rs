//! The `/Schemas` (RFC 7643 §7) and `/ResourceTypes` (RFC 7643 §6) resources, generated from
//! the schema table so discovery can never disagree with validation. No nulls are emitted
//! (Entra never provisions null values; Microsoft's SCIM endpoint guide,
//! learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups).
//! The common attributes (`id`, `externalId`, `meta`) are not listed: RFC 7643 §3.1 defines
//! them outside every schema.

use serde_json::{json, Map, Value};

use super::attribute::{AttrType, AttributeDef, Mutability, Returned, SchemaDef, Uniqueness};
use super::enterprise_user::ENTERPRISE_USER_SCHEMA;
use super::group::GROUP_SCHEMA;
use super::user::USER_SCHEMA;
use super::ResourceType;

pub const SCHEMA_SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
pub const RESOURCE_TYPE_SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// Every schema served at `/Schemas`, in a stable order.
pub fn schema_defs() -> [&'static SchemaDef; 3] {
    [&USER_SCHEMA, &ENTERPRISE_USER_SCHEMA, &GROUP_SCHEMA]
}

/// The Schema resource for `schema`; `base_url` is the tenant base (e.g.
/// `https://host/scim/v2/acme`), used for `meta.location`.
pub fn schema_json(schema: &SchemaDef, base_url: &str) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA_URN],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes.iter().map(attribute_json).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Schema",
            "location": format!("{}/Schemas/{}", base(base_url), schema.id),
        },
    })
}

/// All Schema resources (for the `/Schemas` ListResponse).
pub fn all_schemas_json(base_url: &str) -> Vec<Value> {
    schema_defs()
        .iter()
        .map(|s| schema_json(s, base_url))
        .collect()
}

/// `/Schemas/{id}`: the schema whose URN is `id` (case-insensitive).
pub fn schema_by_id(id: &str, base_url: &str) -> Option<Value> {
    schema_defs()
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(id))
        .map(|s| schema_json(s, base_url))
}

/// The ResourceType resource for `rt` (RFC 7643 §6).
pub fn resource_type_json(rt: ResourceType, base_url: &str) -> Value {
    let mut obj = Map::new();
    obj.insert("schemas".into(), json!([RESOURCE_TYPE_SCHEMA_URN]));
    obj.insert("id".into(), json!(rt.name()));
    obj.insert("name".into(), json!(rt.name()));
    obj.insert("endpoint".into(), json!(rt.endpoint()));
    obj.insert("description".into(), json!(rt.description()));
    obj.insert("schema".into(), json!(rt.core_schema().id));
    let extensions: Vec<Value> = rt
        .extensions()
        .iter()
        .map(|e| json!({"schema": e.id, "required": false}))
        .collect();
    if !extensions.is_empty() {
        obj.insert("schemaExtensions".into(), Value::Array(extensions));
    }
    obj.insert(
        "meta".into(),
        json!({
            "resourceType": "ResourceType",
            "location": format!("{}/ResourceTypes/{}", base(base_url), rt.name()),
        }),
    );
    Value::Object(obj)
}

/// All ResourceType resources (for the `/ResourceTypes` ListResponse).
pub fn all_resource_types_json(base_url: &str) -> Vec<Value> {
    ResourceType::ALL
        .iter()
        .map(|rt| resource_type_json(*rt, base_url))
        .collect()
}

/// `/ResourceTypes/{id}` (case-insensitive).
pub fn resource_type_by_id(id: &str, base_url: &str) -> Option<Value> {
    ResourceType::ALL
        .iter()
        .find(|rt| rt.name().eq_ignore_ascii_case(id))
        .map(|rt| resource_type_json(*rt, base_url))
}

fn base(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

/// RFC 7643 §7 attribute characteristics, camel-cased. `canonicalValues` appears only when
/// there are some, `referenceTypes` only on references, `subAttributes` only on complex ones.
fn attribute_json(a: &AttributeDef) -> Value {
    let mut obj = Map::new();
    obj.insert("name".into(), json!(a.name));
    obj.insert("type".into(), json!(type_str(a.ty)));
    obj.insert("multiValued".into(), json!(a.multi_valued));
    obj.insert("description".into(), json!(a.description));
    obj.insert("required".into(), json!(a.required));
    if !a.canonical_values.is_empty() {
        obj.insert("canonicalValues".into(), json!(a.canonical_values));
    }
    obj.insert("caseExact".into(), json!(a.case_exact));
    obj.insert("mutability".into(), json!(mutability_str(a.mutability)));
    obj.insert("returned".into(), json!(returned_str(a.returned)));
    obj.insert("uniqueness".into(), json!(uniqueness_str(a.uniqueness)));
    if a.ty == AttrType::Reference {
        obj.insert("referenceTypes".into(), json!(a.reference_types));
    }
    if a.ty == AttrType::Complex {
        let subs: Vec<Value> = a.sub_attributes.iter().map(attribute_json).collect();
        obj.insert("subAttributes".into(), Value::Array(subs));
    }
    Value::Object(obj)
}

fn type_str(t: AttrType) -> &'static str {
    match t {
        AttrType::String => "string",
        AttrType::Boolean => "boolean",
        AttrType::Decimal => "decimal",
        AttrType::Integer => "integer",
        AttrType::DateTime => "dateTime",
        AttrType::Binary => "binary",
        AttrType::Reference => "reference",
        AttrType::Complex => "complex",
    }
}

fn mutability_str(m: Mutability) -> &'static str {
    match m {
        Mutability::ReadOnly => "readOnly",
        Mutability::ReadWrite => "readWrite",
        Mutability::Immutable => "immutable",
        Mutability::WriteOnly => "writeOnly",
    }
}

fn returned_str(r: Returned) -> &'static str {
    match r {
        Returned::Always => "always",
        Returned::Never => "never",
        Returned::Default => "default",
        Returned::Request => "request",
    }
}

fn uniqueness_str(u: Uniqueness) -> &'static str {
    match u {
        Uniqueness::None => "none",
        Uniqueness::Server => "server",
        Uniqueness::Global => "global",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://scim.example.com/scim/v2/acme/";

    fn has_null(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::Array(a) => a.iter().any(has_null),
            Value::Object(o) => o.values().any(has_null),
            _ => false,
        }
    }

    #[test]
    fn user_schema_resource_has_camel_cased_characteristics() {
        let s = schema_by_id("URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER", BASE).expect("user");
        assert_eq!(s["id"], USER_SCHEMA.id);
        assert_eq!(s["name"], "User");
        assert_eq!(s["meta"]["resourceType"], "Schema");
        assert_eq!(
            s["meta"]["location"],
            "https://scim.example.com/scim/v2/acme/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"
        );
        let attrs = s["attributes"].as_array().expect("attributes");
        let find = |n: &str| {
            attrs
                .iter()
                .find(|a| a["name"] == n)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let user_name = find("userName");
        assert_eq!(user_name["type"], "string");
        assert_eq!(user_name["required"], true);
        assert_eq!(user_name["caseExact"], false);
        assert_eq!(user_name["uniqueness"], "server");
        assert_eq!(user_name["mutability"], "readWrite");
        assert_eq!(user_name["returned"], "default");
        assert!(user_name.get("subAttributes").is_none());
        let password = find("password");
        assert_eq!(password["mutability"], "writeOnly");
        assert_eq!(password["returned"], "never");
        let emails = find("emails");
        assert_eq!(emails["multiValued"], true);
        assert_eq!(emails["type"], "complex");
        let email_type = emails["subAttributes"]
            .as_array()
            .and_then(|s| s.iter().find(|a| a["name"] == "type"))
            .cloned()
            .unwrap_or(Value::Null);
        assert_eq!(
            email_type["canonicalValues"],
            json!(["work", "home", "other"])
        );
        assert_eq!(find("profileUrl")["referenceTypes"], json!(["external"]));
        assert_eq!(find("groups")["mutability"], "readOnly");
        assert!(find("id").is_null(), "common attributes are not listed");
    }

    #[test]
    fn discovery_documents_have_no_nulls_and_cover_every_schema() {
        let schemas = all_schemas_json(BASE);
        let ids: Vec<&str> = schemas.iter().filter_map(|s| s["id"].as_str()).collect();
        assert_eq!(
            ids,
            [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "urn:ietf:params:scim:schemas:core:2.0:Group"
            ]
        );
        let types = all_resource_types_json(BASE);
        for doc in schemas.iter().chain(types.iter()) {
            assert!(!has_null(doc), "{doc}");
        }
        assert!(schema_by_id("urn:nope", BASE).is_none());
    }

    #[test]
    fn resource_types_name_their_endpoint_schema_and_extensions() {
        let user = resource_type_by_id("user", BASE).expect("User");
        assert_eq!(
            user,
            json!({
                "schemas": [RESOURCE_TYPE_SCHEMA_URN],
                "id": "User", "name": "User", "endpoint": "/Users", "description": "User Account",
                "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
                "schemaExtensions": [{"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false}],
                "meta": {"resourceType": "ResourceType", "location": "https://scim.example.com/scim/v2/acme/ResourceTypes/User"}
            })
        );
        let group = resource_type_by_id("Group", BASE).expect("Group");
        assert!(group.get("schemaExtensions").is_none());
        assert_eq!(group["endpoint"], "/Groups");
        assert!(resource_type_by_id("Device", BASE).is_none());
    }
}
