//! Discovery endpoints (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.
//! They describe exactly what this server does; nothing is advertised before it works.

use super::context::{Ctx, Failure};
use crate::core::error::ScimError;
use crate::core::http::HttpResponse;
use serde_json::{json, Value};

const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// RFC 7643 §5. Each flag is true only when the feature is implemented end to end.
pub(crate) fn service_provider_config<D, K>(ctx: &Ctx<'_, D, K>) -> HttpResponse {
    let location = format!("{}/ServiceProviderConfig", ctx.base_url());
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/scim-edge/scim-edge#readme",
        "patch": {"supported": false},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": false, "maxResults": 0},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "A per-organisation bearer token sent as 'Authorization: Bearer <token>'.",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": location}
    });
    HttpResponse::json(200, &body)
}

pub(crate) fn list_response(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

pub(crate) fn not_found(what: &str, id: &str) -> Failure {
    ScimError::not_found(format!("{what} {id} not found.")).into()
}
