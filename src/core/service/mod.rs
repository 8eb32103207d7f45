//! The request handler: route, authenticate, dispatch, and turn every outcome — including
//! storage failures — into a SCIM response. The Workers glue calls `handle` and only converts
//! types; native tests call it with SQLite and an in-memory KV.

mod admin;
mod bulk;
mod change_events;
mod console;
mod context;
mod discovery;
mod events_api;
mod groups;
mod list;
mod render;
mod shards;
mod users;
mod webhooks_api;
mod write;

pub use bulk::DEFAULT_BULK_MAX_STATEMENTS;
pub use context::{CallerLimit, Failure, RequestLog, Runtime};

use crate::core::auth::authenticate;
use crate::core::error::ScimError;
use crate::core::http::{allow_header, HttpRequest, HttpResponse, Method};
use crate::core::rate_limit::{
    caller_key, org_key, too_many_failed_authentications, too_many_requests, RateDecision,
};
use crate::core::request_id::RequestId;
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
    let request_id = RequestId::new(request.header("cf-ray"));
    let routed = route(&request.path);
    let route_name = route_name(&routed);
    let ctx_org = match &routed {
        Route::Scim { org, .. } => Some(org.clone()),
        _ => None,
    };
    let ctx = Ctx::new(request, runtime, ctx_org);
    let (result, org) = match routed {
        Route::Health => (
            Ok(method_gate(request.method, HEALTH_METHODS)
                .unwrap_or_else(|| HttpResponse::json(200, &json!({"status": "ok"})))),
            None,
        ),
        Route::NotFound | Route::InvalidOrg => (Err(not_found_path().into()), None),
        Route::MissingOrg { endpoint } => (Err(missing_org(request, &endpoint).into()), None),
        // Without a configured secret the admin API does not exist: the answer is exactly
        // that of an unknown path (no log org, no extra headers).
        Route::Admin { org, rest } => match admin_secret(runtime) {
            None => (Err(not_found_path().into()), None),
            Some(secret) => (
                admin_limited(&ctx, secret, org.as_ref(), &rest).await,
                org.map(|o| o.to_string()),
            ),
        },
        // The console exists only where the admin API does; setup pages and their files
        // stand on their own (a setup link is its own credential).
        Route::Console { rest } => match admin_secret(runtime) {
            None => (Err(not_found_path().into()), None),
            Some(secret) => (console::handle(&ctx, secret, &rest).await, None),
        },
        Route::Setup { link, rest } => (console::setup(&ctx, &link, &rest).await, None),
        Route::Asset(name) => (console::asset(&name), None),
        Route::Scim { org, endpoint } => {
            let org_name = org.to_string();
            let result = async {
                // Static facts of the endpoint, answered before any budget or storage is spent.
                if let Some(answer) = endpoint
                    .allowed_methods()
                    .and_then(|allowed| method_gate(request.method, allowed))
                {
                    return Ok(answer);
                }
                let caller = caller_key(request.header("cf-connecting-ip"));
                if let Some(refused) = refused_caller(&ctx, &caller) {
                    return Ok(refused);
                }
                let verdict = authenticate(
                    runtime.kv,
                    runtime.token_cache,
                    &org,
                    request.header("authorization"),
                    runtime.now_ms,
                )
                .await
                .map_err(Failure::Scim)?;
                match verdict {
                    Ok(record) => {
                        if let Some(refused) = check_rate_limit(&ctx, &org_name).await {
                            return Ok(refused);
                        }
                        // The org's shard comes with its token record: no extra lookup.
                        ctx.use_shard(record.shard.as_deref())?;
                        dispatch(&ctx, endpoint).await
                    }
                    Err(failure) => {
                        ctx.note(format!("auth: {failure:?}"));
                        if let Some(refused) = count_failed_authentication(&ctx, &caller).await {
                            return Ok(refused);
                        }
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
        Err(Failure::Retry(error, retry_after_secs)) => {
            ctx.note("write refused: org locked for a move".to_owned());
            HttpResponse::error(&error).with_header("retry-after", retry_after_secs.to_string())
        }
    };
    if request.method == Method::Head {
        // RFC 9110 §9.3.2: the GET answer's status and headers, without content.
        response.body = None;
    }
    let d1_round_trips = ctx.round_trips();
    if org.is_some() {
        response = response.with_header(
            "server-timing",
            format!("d1;desc=\"queries={d1_round_trips}\""),
        );
    }
    let status = response.status;
    // Every response, error or not, carries the request id (RFC 7644 leaves `detail` free text).
    let response = request_id.stamp(response);
    Outcome {
        response,
        log: RequestLog {
            request_id: request_id.as_str().to_owned(),
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
    // HEAD passed the method gate only where GET is allowed; it is served as GET and its
    // content dropped by `handle`.
    let method = match ctx.request.method {
        Method::Head => Method::Get,
        method => method,
    };
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
        ScimEndpoint::Bulk if method == Method::Post => bulk::bulk(ctx, &body()?).await,
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

/// Counts an authenticated request against its org's budget, before any storage access:
/// `Some` is the 429 to answer (RFC 6585 §4, with `Retry-After`). Only a holder of the org's
/// token can spend it. A limiter that fails to answer lets the request through, noted in the
/// log.
async fn check_rate_limit<D, K>(ctx: &Ctx<'_, D, K>, org: &str) -> Option<HttpResponse> {
    let limiter = ctx.runtime.rate_limiter?;
    match limiter.check(&org_key(org)).await {
        Ok(RateDecision::Allow) => None,
        Ok(RateDecision::Limited { retry_after_secs }) => {
            ctx.note("rate limited".to_owned());
            Some(too_many(
                too_many_requests(retry_after_secs),
                retry_after_secs,
            ))
        }
        Err(message) => {
            ctx.note(format!(
                "rate limiter unavailable, request allowed: {message}"
            ));
            None
        }
    }
}

/// The methods `/health` answers.
const HEALTH_METHODS: &[Method] = &[Method::Get, Method::Head, Method::Options];

/// Answers OPTIONS (204 with `Allow`, RFC 9110 §9.3.7) and any method the endpoint does not
/// offer (405 with `Allow`, RFC 9110 §15.5.6); `None` lets the request through.
fn method_gate(method: Method, allowed: &[Method]) -> Option<HttpResponse> {
    if method == Method::Options {
        return Some(HttpResponse::empty(204).with_header("allow", allow_header(allowed)));
    }
    if allowed.contains(&method) {
        return None;
    }
    let error = ScimError::method_not_allowed(format!(
        "Method {} is not allowed on this endpoint; allowed: {}.",
        method.as_str(),
        allow_header(allowed)
    ));
    Some(HttpResponse::error(&error).with_header("allow", allow_header(allowed)))
}

/// The admin API under the same failed-authentication budget as SCIM tokens: a wrong admin
/// secret counts against the caller, and a refused caller is not heard at all, so the secret
/// cannot be guessed at line rate.
async fn admin_limited<D, K>(
    ctx: &Ctx<'_, D, K>,
    secret: &str,
    org: Option<&crate::core::org::OrgName>,
    rest: &[String],
) -> Result<HttpResponse, Failure>
where
    D: crate::core::db::Database,
    K: crate::core::kv::KeyValue,
{
    let caller = caller_key(ctx.request.header("cf-connecting-ip"));
    if let Some(refused) = refused_caller(ctx, &caller) {
        return Ok(refused);
    }
    let result = admin::handle(ctx, secret, org, rest).await;
    if matches!(&result, Ok(response) if response.status == 401) {
        if let Some(refused) = count_failed_authentication(ctx, &caller).await {
            return Ok(refused);
        }
    }
    result
}

/// A caller this isolate saw refused for failed authentications, while the window lasts:
/// answered 429 before the KV token lookup.
fn refused_caller<D, K>(ctx: &Ctx<'_, D, K>, caller: &str) -> Option<HttpResponse> {
    let limit = ctx.runtime.caller_limit?;
    let retry_after_secs = limit.refused.refused_for(caller, ctx.now_ms())?;
    ctx.note("caller refused: too many failed authentications".to_owned());
    Some(too_many(
        too_many_failed_authentications(retry_after_secs),
        retry_after_secs,
    ))
}

/// Counts a failed authentication against the caller. Over the budget, the caller is
/// remembered until the window ends and this attempt already answers 429.
async fn count_failed_authentication<D, K>(
    ctx: &Ctx<'_, D, K>,
    caller: &str,
) -> Option<HttpResponse> {
    let limit = ctx.runtime.caller_limit?;
    match limit.limiter.check(caller).await {
        Ok(RateDecision::Allow) => None,
        Ok(RateDecision::Limited { retry_after_secs }) => {
            let until = ctx.now_ms() + u64::from(retry_after_secs) * 1000;
            limit.refused.refuse(caller, until, ctx.now_ms());
            ctx.note("caller limited: too many failed authentications".to_owned());
            Some(too_many(
                too_many_failed_authentications(retry_after_secs),
                retry_after_secs,
            ))
        }
        Err(message) => {
            ctx.note(format!(
                "failed-authentication limiter unavailable: {message}"
            ));
            None
        }
    }
}

fn too_many(error: ScimError, retry_after_secs: u32) -> HttpResponse {
    HttpResponse::error(&error).with_header("retry-after", retry_after_secs.to_string())
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

/// `/scim/v2/Users` and the like: the tenant URL lacks its org (a common slip when copying
/// it into an IdP), which would otherwise read as an org called `Users` and fail as a 401.
fn missing_org(request: &HttpRequest, endpoint: &str) -> ScimError {
    ScimError::not_found(format!(
        "This URL has no org: '{endpoint}' is a SCIM endpoint, not an org name. The tenant URL is \
         {origin}/scim/v2/{{org}} (for example {origin}/scim/v2/acme), and /{endpoint} lives below it.",
        origin = request.origin
    ))
}

fn route_name(route: &Route) -> &'static str {
    match route {
        Route::Health => "health",
        Route::InvalidOrg => "invalid-org",
        Route::MissingOrg { .. } => "missing-org",
        Route::NotFound => "not-found",
        Route::Admin { org: None, rest } if !rest.is_empty() => "admin/webhook",
        Route::Console { .. } => "admin/console",
        Route::Setup { .. } => "setup",
        Route::Asset(_) => "assets",
        Route::Admin { rest, .. } => match rest.first().map(String::as_str) {
            None => "admin/orgs/{org}",
            Some("token") => "admin/orgs/{org}/token",
            Some("export") => "admin/orgs/{org}/export",
            Some("import") => "admin/orgs/{org}/import",
            Some("move") => "admin/orgs/{org}/move",
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
            ScimEndpoint::Bulk => "Bulk",
            ScimEndpoint::NotImplemented(_) => "not-implemented",
            ScimEndpoint::Unknown => "unknown",
        },
    }
}

#[cfg(test)]
mod admin_tests;
#[cfg(test)]
mod bulk_events_tests;
#[cfg(test)]
mod bulk_tests;
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
mod method_tests;
#[cfg(test)]
mod ops_tests;
#[cfg(test)]
mod patch_extension_tests;
#[cfg(test)]
mod schema_values_tests;
#[cfg(test)]
mod shards_tests;
#[cfg(test)]
mod store_boundary_tests;
#[cfg(test)]
mod test_app;
#[cfg(test)]
mod users_tests;
