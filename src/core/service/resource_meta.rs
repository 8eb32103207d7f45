//! Output shape shared by users and groups: `schemas`, `id`, the stored attributes, and
//! `meta` (RFC 7643 §3.1), plus the conditional-request headers of RFC 7644 §3.14.

use super::context::{Ctx, Failure};
use crate::core::db::{Database, Statement};
use crate::core::error::ScimError;
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::schema::ResourceType;
use crate::core::store::{etag, rows, version_from_etag};
use serde_json::{json, Map, Value};

/// The stored parts of a resource that `meta` is built from.
pub(crate) struct MetaParts<'a> {
    pub id: &'a str,
    pub created: &'a str,
    pub last_modified: &'a str,
    pub version: i64,
}

/// Builds the output resource: `schemas` (the core schema, plus each extension the document
/// uses), `id`, the document's attributes, `extra` computed attributes, and `meta`.
pub(crate) fn render<D, K>(
    ctx: &Ctx<'_, D, K>,
    rt: ResourceType,
    doc: &Value,
    parts: &MetaParts<'_>,
    extra: Vec<(&str, Value)>,
) -> Value {
    let mut out = Map::new();
    let mut schemas = vec![Value::from(rt.core_schema().id)];
    for extension in rt.extensions() {
        if doc.get(extension.id).is_some() {
            schemas.push(Value::from(extension.id));
        }
    }
    out.insert("schemas".into(), Value::Array(schemas));
    out.insert("id".into(), Value::from(parts.id));
    if let Value::Object(attributes) = doc {
        for (k, v) in attributes {
            out.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in extra {
        out.insert(k.to_owned(), v);
    }
    out.insert(
        "meta".into(),
        json!({
            "resourceType": rt.name(),
            "created": parts.created,
            "lastModified": parts.last_modified,
            "location": location(ctx, rt, parts.id),
            "version": etag(parts.version),
        }),
    );
    Value::Object(out)
}

pub(crate) fn location<D, K>(ctx: &Ctx<'_, D, K>, rt: ResourceType, id: &str) -> String {
    format!("{}{}/{}", ctx.base_url(), rt.endpoint(), id)
}

/// `If-Match` (RFC 7644 §3.14, RFC 7232 §3.1): `None` when absent or `*`; otherwise the
/// version every listed tag names (an unknown tag can never match: 412).
pub(crate) enum Precondition {
    Any,
    Version(Vec<i64>),
}

impl Precondition {
    pub fn from_request(request: &HttpRequest) -> Precondition {
        match request.header("if-match").map(str::trim) {
            None | Some("*") => Precondition::Any,
            Some(list) => {
                Precondition::Version(list.split(',').filter_map(version_from_etag).collect())
            }
        }
    }

    pub fn is_conditional(&self) -> bool {
        matches!(self, Precondition::Version(_))
    }

    pub fn check(&self, version: i64) -> Result<(), Failure> {
        match self {
            Precondition::Any => Ok(()),
            Precondition::Version(versions) if versions.contains(&version) => Ok(()),
            Precondition::Version(_) => Err(ScimError::precondition_failed().into()),
        }
    }
}

/// Runs a delete batch (`statements`, whose statement `delete_at` is the DELETE and whose
/// last statement reports `remaining`) under the request's `If-Match` (RFC 7644 §3.14): 204
/// when it applied, 404 when there was nothing to delete, 412 when the version did not match.
pub(crate) async fn delete_resource<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    statements: impl FnOnce(Option<i64>) -> Vec<Statement>,
    delete_at: usize,
    not_found: impl FnOnce() -> Failure,
) -> Result<HttpResponse, Failure> {
    let if_version = match Precondition::from_request(ctx.request) {
        Precondition::Any => None,
        // An If-Match that names none of our versions can never match.
        Precondition::Version(versions) => Some(versions.first().copied().unwrap_or(-1)),
    };
    let results = ctx.batch(statements(if_version)).await?;
    let deleted = results.get(delete_at).map_or(0, |r| r.changes) > 0;
    let remaining = results
        .last()
        .and_then(|r| r.rows.first())
        .and_then(|row| rows::int(row, "remaining"))
        .unwrap_or(0);
    match (deleted, remaining) {
        (true, _) => Ok(HttpResponse::empty(204)),
        (false, 0) => Err(not_found()),
        (false, _) => Err(ScimError::precondition_failed().into()),
    }
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

/// A resource response with `ETag` (and `Location` for 201).
pub(crate) fn resource_response(status: u16, body: &Value, version: i64) -> HttpResponse {
    let mut response = HttpResponse::json(status, body).with_header("etag", etag(version));
    if status == 201 {
        if let Some(location) = body["meta"]["location"].as_str() {
            response = response.with_header("location", location);
        }
    }
    response
}

/// 304 Not Modified with the current ETag and no body.
pub(crate) fn not_modified_response(version: i64) -> HttpResponse {
    HttpResponse::empty(304).with_header("etag", etag(version))
}
