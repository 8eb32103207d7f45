//! The request handler: route, authenticate, dispatch, and turn every outcome — including
//! storage failures — into a SCIM response. The Workers glue calls `handle` and only converts
//! types; native tests call it with SQLite and an in-memory KV.

mod admin;
mod change_events;
mod context;
mod discovery;
mod events_api;
mod groups;
mod list;
mod render;
mod users;
mod webhooks_api;
mod write;

pub use context::{Failure, RequestLog, Runtime};

use crate::core::auth::authenticate;
use crate::core::error::ScimError;
use crate::core::http::{HttpRequest, HttpResponse, Method};
use crate::core::rate_limit::{org_key, too_many_requests, RateDecision};
use crate::core::router::{route, Route, ScimEndpoint};
use crate::core::schema::ResourceType;
use context::Ctx;
use serde_json::json;

/// The outcome of one request: the response and the structured log line describing it.
pub struct Outcome {
    pub response: HttpResponse,
    pub log: RequestLog,
    /// Delivery messages for the queue, to send once the response is on its way.
    pub deliveries: Vec<crate::core::events::delivery::DeliveryMessage>,
}

pub async fn handle<D, K>(request: &HttpRequest, runtime: &Runtime<'_, D, K>) -> Outcome
where
    D: crate::core::db::Database,
    K: crate::core::kv::KeyValue,
{
    let routed = route(&request.path);
    let route_name = route_name(&routed);
    let ctx_org = match &routed {
        Route::Scim { org, .. } => Some(org.clone()),
        _ => None,
    };
    let ctx = Ctx::new(request, runtime, ctx_org);
    let (result, org) = match routed {
        Route::Health => (Ok(HttpResponse::json(200, &json!({"status": "ok"}))), None),
        Route::NotFound | Route::InvalidOrg => (Err(not_found_path().into()), None),
        // Without a configured secret the admin API does not exist: the answer is exactly
        // that of an unknown path (no log org, no extra headers).
        Route::Admin { org, rest } => match admin_secret(runtime) {
            None => (Err(not_found_path().into()), None),
            Some(secret) => (
                admin::handle(&ctx, secret, org.as_ref(), &rest).await,
                org.map(|o| o.to_string()),
            ),
        },
        Route::Scim { org, endpoint } => {
            let org_name = org.to_string();
            let result = async {
                if let Some(refused) = check_rate_limit(&ctx, &org_name).await {
                    return Ok(refused);
                }
                let verdict = authenticate(
                    runtime.kv,
                    &org,
                    request.header("authorization"),
                    runtime.now_ms,
                )
                .await
                .map_err(Failure::Scim)?;
                match verdict {
                    Ok(()) => dispatch(&ctx, endpoint).await,
                    Err(failure) => {
                        ctx.note(format!("auth: {failure:?}"));
                        Err(ScimError::unauthorized().into())
                    }
                }
            }
            .await;
            (result, Some(org_name))
        }
    };
    let mut response = match result {
        Ok(response) => response,
        Err(Failure::Scim(error)) => HttpResponse::error(&error),
        Err(Failure::Internal(message)) => {
            ctx.note(message);
            HttpResponse::error(&ScimError::internal())
        }
    };
    let d1_round_trips = ctx.round_trips();
    if org.is_some() {
        response = response.with_header(
            "server-timing",
            format!("d1;desc=\"queries={d1_round_trips}\""),
        );
    }
    let status = response.status;
    Outcome {
        response,
        log: RequestLog {
            org,
            method: request.method.as_str(),
            route: route_name,
            status,
            d1_round_trips,
            notes: ctx.take_notes(),
        },
        deliveries: ctx.take_deliveries(),
    }
}

async fn dispatch<D, K>(
    ctx: &Ctx<'_, D, K>,
    endpoint: ScimEndpoint,
) -> Result<HttpResponse, Failure>
where
    D: crate::core::db::Database,
    K: crate::core::kv::KeyValue,
{
    let method = ctx.request.method;
    let body = || ctx.request.json_body();
    match endpoint {
        ScimEndpoint::ServiceProviderConfig if method == Method::Get => {
            Ok(discovery::service_provider_config(ctx))
        }
        ScimEndpoint::Collection(rt) => match (rt, method) {
            (_, Method::Get) => list::list(ctx, rt).await,
            (ResourceType::User, Method::Post) => users::create(ctx, &body()?).await,
            (ResourceType::Group, Method::Post) => groups::create(ctx, &body()?).await,
            _ => Err(method_not_allowed(method)),
        },
        ScimEndpoint::Resource(ResourceType::User, id) => match method {
            Method::Get => users::get(ctx, &id).await,
            Method::Put => users::replace(ctx, &id, &body()?).await,
            Method::Patch => users::patch(ctx, &id, &body()?).await,
            Method::Delete => users::delete(ctx, &id).await,
            _ => Err(method_not_allowed(method)),
        },
        ScimEndpoint::Resource(ResourceType::Group, id) => match method {
            Method::Get => groups::get(ctx, &id).await,
            Method::Put => groups::replace(ctx, &id, &body()?).await,
            Method::Patch => groups::patch(ctx, &id, &body()?).await,
            Method::Delete => groups::delete(ctx, &id).await,
            _ => Err(method_not_allowed(method)),
        },
        ScimEndpoint::CollectionSearch(rt) if method == Method::Post => {
            list::search(ctx, Some(rt)).await
        }
        ScimEndpoint::RootSearch if method == Method::Post => list::search(ctx, None).await,
        ScimEndpoint::Schemas if method == Method::Get => Ok(discovery::schemas(ctx)),
        ScimEndpoint::SchemaById(id) if method == Method::Get => discovery::schema(ctx, &id),
        ScimEndpoint::ResourceTypes if method == Method::Get => Ok(discovery::resource_types(ctx)),
        ScimEndpoint::ResourceTypeByName(name) if method == Method::Get => {
            discovery::resource_type(ctx, &name)
        }
        ScimEndpoint::NotImplemented(what) => Err(ScimError::new(
            501,
            None,
            format!(
                "/{what} is not supported by this service provider (see /ServiceProviderConfig)."
            ),
        )
        .into()),
        ScimEndpoint::Unknown => Err(not_found_path().into()),
        _ => Err(method_not_allowed(method)),
    }
}

/// Counts the request against its org's budget, before authentication and storage: `Some`
/// is the 429 to answer (RFC 6585 §4, with `Retry-After`). A limiter that fails to answer lets
/// the request through, noted in the log.
async fn check_rate_limit<D, K>(ctx: &Ctx<'_, D, K>, org: &str) -> Option<HttpResponse> {
    let limiter = ctx.runtime.rate_limiter?;
    match limiter.check(&org_key(org)).await {
        Ok(RateDecision::Allow) => None,
        Ok(RateDecision::Limited { retry_after_secs }) => {
            ctx.note("rate limited".to_owned());
            Some(
                HttpResponse::error(&too_many_requests(retry_after_secs))
                    .with_header("retry-after", retry_after_secs.to_string()),
            )
        }
        Err(message) => {
            ctx.note(format!(
                "rate limiter unavailable, request allowed: {message}"
            ));
            None
        }
    }
}

fn method_not_allowed(method: Method) -> Failure {
    ScimError::method_not_allowed(format!(
        "Method {} is not allowed on this endpoint.",
        method.as_str()
    ))
    .into()
}

/// The configured admin secret; blank (or whitespace) counts as none. Surrounding whitespace is
/// ignored, as a secret pasted with a trailing newline is a common slip.
fn admin_secret<'a, D, K>(runtime: &Runtime<'a, D, K>) -> Option<&'a str> {
    runtime
        .admin_secret
        .map(str::trim)
        .filter(|secret| !secret.is_empty())
}

fn not_found_path() -> ScimError {
    ScimError::not_found("No such endpoint. SCIM endpoints live under /scim/v2/{org}/.")
}

fn route_name(route: &Route) -> &'static str {
    match route {
        Route::Health => "health",
        Route::InvalidOrg => "invalid-org",
        Route::NotFound => "not-found",
        Route::Admin { org: None, rest } if !rest.is_empty() => "admin/webhook",
        Route::Admin { rest, .. } => match rest.first().map(String::as_str) {
            None => "admin/orgs/{org}",
            Some("token") => "admin/orgs/{org}/token",
            Some("events") => "admin/orgs/{org}/events",
            Some("webhook") => "admin/orgs/{org}/webhook",
            Some("deliveries") => "admin/orgs/{org}/deliveries",
            Some(_) => "admin/unknown",
        },
        Route::Scim { endpoint, .. } => match endpoint {
            ScimEndpoint::ServiceProviderConfig => "ServiceProviderConfig",
            ScimEndpoint::ResourceTypes | ScimEndpoint::ResourceTypeByName(_) => "ResourceTypes",
            ScimEndpoint::Schemas | ScimEndpoint::SchemaById(_) => "Schemas",
            ScimEndpoint::Collection(crate::core::schema::ResourceType::User) => "Users",
            ScimEndpoint::Collection(crate::core::schema::ResourceType::Group) => "Groups",
            ScimEndpoint::CollectionSearch(crate::core::schema::ResourceType::User) => {
                "Users/.search"
            }
            ScimEndpoint::CollectionSearch(crate::core::schema::ResourceType::Group) => {
                "Groups/.search"
            }
            ScimEndpoint::Resource(crate::core::schema::ResourceType::User, _) => "Users/{id}",
            ScimEndpoint::Resource(crate::core::schema::ResourceType::Group, _) => "Groups/{id}",
            ScimEndpoint::RootSearch => ".search",
            ScimEndpoint::NotImplemented(_) => "not-implemented",
            ScimEndpoint::Unknown => "unknown",
        },
    }
}

#[cfg(test)]
mod admin_tests;
#[cfg(test)]
mod change_events_tests;
#[cfg(test)]
mod events_admin_tests;
#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod groups_tests;
#[cfg(test)]
mod hostile_query_tests;
#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod store_boundary_tests;
#[cfg(test)]
mod test_app;
#[cfg(test)]
mod users_tests;
