//! How users and groups look on the wire, for both: `schemas`, `id`, the stored attributes,
//! the computed references (`User.groups`, `Group.members`) and `meta` (RFC 7643 §3.1),
//! projected by the request's `attributes`/`excludedAttributes`; and the response headers of
//! a resource (`ETag`, `Location`, RFC 7644 §3.14 and §3.3). A 50,000-member group is written
//! from its typed member list straight into the body, never as 50,000 `Value` objects.

use super::context::{Ctx, Failure};
use crate::core::http::{HttpRequest, HttpResponse, SCIM_CONTENT_TYPE};
use crate::core::schema::ResourceType;
use crate::core::store::resource::{Reference, Stored};
use crate::core::store::{etag, version_from_etag};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// A reference as output: with `$ref` (RFC 7643 §4.1.2, §4.2).
#[derive(Serialize)]
struct ReferenceOut<'a> {
    value: &'a str,
    #[serde(rename = "$ref")]
    reference: String,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<&'a str>,
}

/// The name of the computed reference attribute of `rt`.
fn related_name(rt: ResourceType) -> &'static str {
    match rt {
        ResourceType::User => "groups",
        ResourceType::Group => "members",
    }
}

fn references_out<'a>(
    base: &str,
    rt: ResourceType,
    related: &'a [Reference],
) -> Vec<ReferenceOut<'a>> {
    related
        .iter()
        .map(|r| {
            // A user's groups are groups; a member is a user or a group, by its type.
            let endpoint = if rt == ResourceType::User || r.kind == "Group" {
                "Groups"
            } else {
                "Users"
            };
            ReferenceOut {
                value: &r.value,
                reference: format!("{base}/{endpoint}/{}", r.value),
                kind: &r.kind,
                display: r.display.as_deref(),
            }
        })
        .collect()
}

pub(crate) fn location<D, K>(ctx: &Ctx<'_, D, K>, rt: ResourceType, id: &str) -> String {
    format!("{}{}/{}", ctx.base_url(), rt.endpoint(), id)
}

/// The resource without its references, before projection (also an event's `data`).
pub(crate) fn base_value<D, K>(ctx: &Ctx<'_, D, K>, stored: &Stored) -> Value {
    let rt = stored.rt;
    let mut out = Map::new();
    let mut schemas = vec![Value::from(rt.core_schema().id)];
    for extension in rt.extensions() {
        if stored.doc.get(extension.id).is_some() {
            schemas.push(Value::from(extension.id));
        }
    }
    out.insert("schemas".into(), Value::Array(schemas));
    out.insert("id".into(), Value::from(stored.id.as_str()));
    if let Value::Object(attributes) = &stored.doc {
        for (k, v) in attributes {
            out.insert(k.clone(), v.clone());
        }
    }
    out.insert(
        "meta".into(),
        json!({
            "resourceType": rt.name(),
            "created": stored.created,
            "lastModified": stored.last_modified,
            "location": location(ctx, rt, &stored.id),
            "version": etag(stored.version),
        }),
    );
    Value::Object(out)
}

/// The resource as output JSON text, projected. References the projection keeps whole are
/// written straight from the typed list; an empty list is left out (unassigned).
pub(crate) fn resource_json<D, K>(ctx: &Ctx<'_, D, K>, stored: &Stored) -> Result<String, Failure> {
    let projection = ctx.projection(stored.rt)?;
    let name = related_name(stored.rt);
    let related = stored
        .related
        .as_deref()
        .filter(|r| !r.is_empty() && projection.wants(name));
    let base = ctx.base_url();
    let mut value = base_value(ctx, stored);
    let Some(related) = related else {
        return Ok(projection.apply(value).to_string());
    };
    let out = references_out(&base, stored.rt, related);
    if projection.trims_sub_attributes(name) {
        if let Value::Object(map) = &mut value {
            map.insert(name.into(), serde_json::to_value(&out).unwrap_or_default());
        }
        return Ok(projection.apply(value).to_string());
    }
    let mut body = projection.apply(value).to_string();
    if body.ends_with('}') {
        body.pop();
        if body.len() > 1 {
            body.push(',');
        }
        body.push_str(&format!("\"{name}\":"));
        body.push_str(&serde_json::to_string(&out).unwrap_or_else(|_| "[]".into()));
        body.push('}');
    }
    Ok(body)
}

/// A resource response: the projected body, `ETag` of its version, and — for 201 Created —
/// `Location` from its type and id (never read back from the projected body).
pub(crate) fn resource_response<D, K>(
    ctx: &Ctx<'_, D, K>,
    status: u16,
    stored: &Stored,
) -> Result<HttpResponse, Failure> {
    let mut response = HttpResponse {
        status,
        headers: vec![("content-type".into(), SCIM_CONTENT_TYPE.into())],
        body: Some(resource_json(ctx, stored)?),
    }
    .with_header("etag", etag(stored.version));
    if status == 201 {
        response = response.with_header("location", location(ctx, stored.rt, &stored.id));
    }
    Ok(response)
}

/// `If-None-Match` on GET: true when it names the current version (answer 304).
pub(crate) fn not_modified(request: &HttpRequest, version: i64) -> bool {
    request.header("if-none-match").is_some_and(|list| {
        list.trim() == "*"
            || list
                .split(',')
                .filter_map(version_from_etag)
                .any(|v| v == version)
    })
}

/// 304 Not Modified with the current ETag and no body.
pub(crate) fn not_modified_response(version: i64) -> HttpResponse {
    HttpResponse::empty(304).with_header("etag", etag(version))
}

/// 204 after a write that answers without a body, with the new `ETag`.
pub(crate) fn no_content(version: i64) -> HttpResponse {
    HttpResponse::empty(204).with_header("etag", etag(version))
}
