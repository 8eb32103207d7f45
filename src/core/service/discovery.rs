//! Discovery endpoints (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.
//! They describe exactly what this server does; nothing is advertised before it works.

use super::bulk::MAX_OPERATIONS;
use super::context::{Ctx, Failure};
use crate::core::error::ScimError;
use crate::core::http::{HttpResponse, MAX_BODY_BYTES};
use crate::core::list::{CURSOR_TIMEOUT_SECS, DEFAULT_COUNT, MAX_COUNT};
use crate::core::schema::discovery;
use serde_json::{json, Value};

const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// RFC 7643 §5. Each flag is true only when the feature is implemented end to end.
pub(crate) fn service_provider_config<D, K>(ctx: &Ctx<'_, D, K>) -> HttpResponse {
    let location = format!("{}/ServiceProviderConfig", ctx.base_url());
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": true},
        // RFC 7644 §3.7.4: the limits /Bulk enforces (413 beyond either).
        "bulk": {"supported": true, "maxOperations": MAX_OPERATIONS, "maxPayloadSize": MAX_BODY_BYTES},
        "filter": {"supported": true, "maxResults": MAX_COUNT},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        // RFC 9865 §4: both paging methods, keyset cursors valid for CURSOR_TIMEOUT_SECS.
        "pagination": {
            "cursor": true,
            "index": true,
            "defaultPaginationMethod": "index",
            "defaultPageSize": DEFAULT_COUNT,
            "maxPageSize": MAX_COUNT,
            "cursorTimeout": CURSOR_TIMEOUT_SECS
        },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "A per-organisation bearer token sent as 'Authorization: Bearer <token>'.",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": location}
    });
    // RFC 7643 §5: optional, "an HTTP-addressable URL pointing to the service provider's
    // human-consumable help documentation" — only the operator knows where theirs is.
    if let Some(uri) = ctx.runtime.documentation_uri {
        body["documentationUri"] = Value::String(uri.to_owned());
    }
    HttpResponse::json(200, &body)
}

fn list_response(resources: Vec<Value>) -> HttpResponse {
    let body = json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    });
    HttpResponse::json(200, &body)
}

/// GET /Schemas (RFC 7644 §4): every schema, as a ListResponse.
pub(crate) fn schemas<D, K>(ctx: &Ctx<'_, D, K>) -> HttpResponse {
    list_response(discovery::all_schemas_json(&ctx.base_url()))
}

/// GET /Schemas/{urn}.
pub(crate) fn schema<D, K>(ctx: &Ctx<'_, D, K>, id: &str) -> Result<HttpResponse, Failure> {
    discovery::schema_by_id(id, &ctx.base_url())
        .map(|s| HttpResponse::json(200, &s))
        .ok_or_else(|| ScimError::not_found(format!("Schema {id} not found.")).into())
}

/// GET /ResourceTypes (RFC 7644 §4).
pub(crate) fn resource_types<D, K>(ctx: &Ctx<'_, D, K>) -> HttpResponse {
    list_response(discovery::all_resource_types_json(&ctx.base_url()))
}

/// GET /ResourceTypes/{name}.
pub(crate) fn resource_type<D, K>(
    ctx: &Ctx<'_, D, K>,
    name: &str,
) -> Result<HttpResponse, Failure> {
    discovery::resource_type_by_id(name, &ctx.base_url())
        .map(|s| HttpResponse::json(200, &s))
        .ok_or_else(|| ScimError::not_found(format!("Resource type {name} not found.")).into())
}
