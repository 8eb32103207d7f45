//! The fetch entry. It never lets an `Err` escape (the runtime would turn it into a bare
//! plain-text 500): every failure becomes a SCIM error response, and one JSON log line per
//! request goes to the console for `wrangler tail`.

use super::{d1::D1, kv::Kv, rate_limit::WorkersRateLimiter};
use crate::core::error::ScimError;
use crate::core::http::{HttpRequest, HttpResponse, Method, MAX_BODY_BYTES};
use crate::core::rate_limit::{RateLimiter, AUTH_FAILURE_PERIOD_SECS, RATE_LIMIT_PERIOD_SECS};
use crate::core::refused_callers::RefusedCallers;
use crate::core::request_id::RequestId;
use crate::core::service::{handle, CallerLimit, Runtime, DEFAULT_BULK_MAX_STATEMENTS};
use crate::core::shard::{ShardConfig, SHARDS_VAR};
use crate::core::token_cache::TokenCache;
use serde_json::json;
use worker::{console_log, event, Context, Date, Env, Headers, Request, Response};

pub const KV_BINDING: &str = "TOKENS";
pub const ADMIN_SECRET: &str = "ADMIN_SECRET";
/// The `[[ratelimits]]` binding limiting authenticated requests per org.
pub const RATE_LIMITER_BINDING: &str = "RATE_LIMITER";
/// The `[[ratelimits]]` binding limiting failed authentications per caller address.
pub const AUTH_FAILURE_LIMITER_BINDING: &str = "AUTH_FAILURE_LIMITER";
/// A variable that, set to `off`, turns the per-org limit off (load tests on one org). The
/// failed-authentication limit stays on: no legitimate load needs bad tokens.
pub const RATE_LIMIT_VAR: &str = "RATE_LIMIT";
/// A variable with the URL of the operator's documentation (`documentationUri`).
pub const DOCUMENTATION_URI_VAR: &str = "DOCUMENTATION_URI";

/// A variable capping the statements of one D1 `batch()` a `/Bulk` request sends (D1 allows
/// 1,000 queries per invocation on Workers Paid, 50 on Free; docs/bulk.md).
pub const BULK_MAX_STATEMENTS_VAR: &str = "BULK_MAX_STATEMENTS";

/// `BULK_MAX_STATEMENTS` when it is a positive integer, else the default.
fn bulk_max_statements(env: &Env) -> usize {
    env.var(BULK_MAX_STATEMENTS_VAR)
        .ok()
        .and_then(|v| v.to_string().trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_BULK_MAX_STATEMENTS)
}

thread_local! {
    /// Callers the failed-authentication limiter refused, remembered for this isolate's life
    /// (bounded; see `RefusedCallers`). Leaked once per isolate so requests can borrow it
    /// across awaits.
    static REFUSED_CALLERS: &'static RefusedCallers = Box::leak(Box::new(RefusedCallers::new()));
    /// Verified token records of this isolate (see `core::token_cache`), leaked the same way.
    static TOKEN_CACHE: &'static TokenCache = Box::leak(Box::new(TokenCache::new()));
}

/// A variable that, set to `off`, turns the isolate's token cache off (every request reads
/// KV; the bench compares both).
pub const TOKEN_CACHE_VAR: &str = "TOKEN_CACHE";

/// The shard pool (`SHARDS`) and a D1 handle for each shard, in the same order.
pub(crate) fn shard_pool(env: &Env) -> Result<(ShardConfig, Vec<D1>), String> {
    let shards = ShardConfig::parse(env.var(SHARDS_VAR).ok().map(|v| v.to_string()).as_deref())?;
    let dbs = shards
        .shards()
        .iter()
        .map(|shard| {
            env.d1(&shard.binding)
                .map(D1::new)
                .map_err(|e| format!("shard {}: binding {}: {e}", shard.name, shard.binding))
        })
        .collect::<Result<Vec<D1>, String>>()?;
    Ok((shards, dbs))
}

fn token_cache(env: &Env) -> Option<&'static TokenCache> {
    let off = env
        .var(TOKEN_CACHE_VAR)
        .map(|v| v.to_string().eq_ignore_ascii_case("off"))
        .unwrap_or(false);
    (!off).then(|| TOKEN_CACHE.with(|cache| *cache))
}

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let started = Date::now().as_millis();
    // For answers given before the core runs (refusals, platform failures); the core derives
    // the same id from the same `cf-ray` for everything else.
    let request_id = RequestId::new(req.headers().get("cf-ray").ok().flatten().as_deref());
    let response = match serve(req, &env, &ctx, started, &request_id).await {
        Ok(response) => response,
        Err(message) => {
            console_log!(
                "{}",
                json!({"level": "error", "request_id": request_id.as_str(), "message": message})
            );
            request_id.error_response(&ScimError::internal())
        }
    };
    to_worker_response(response)
        .or_else(|_| to_worker_response(request_id.error_response(&ScimError::internal())))
}

async fn serve(
    mut req: Request,
    env: &Env,
    ctx: &Context,
    started: u64,
    request_id: &RequestId,
) -> Result<HttpResponse, String> {
    let url = req.url().map_err(|e| e.to_string())?;
    let origin = url.origin().ascii_serialization();
    let headers: Vec<(String, String)> = req
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let declared_length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    if declared_length.is_some_and(|n| n > MAX_BODY_BYTES) {
        // Refused before the body is read; the core checks the read length again for bodies
        // sent without Content-Length (chunked).
        console_log!(
            "{}",
            json!({
                "request_id": request_id.as_str(),
                "method": Method::parse(&req.inner().method()).as_str(),
                "status": 413,
                "duration_ms": Date::now().as_millis().saturating_sub(started),
                "notes": ["Content-Length over MAX_BODY_BYTES"],
            })
        );
        return Ok(request_id.error_response(&ScimError::payload_too_large(MAX_BODY_BYTES)));
    }
    // The method exactly as the client sent it: `worker::Request::method()` maps every
    // method it does not know (PROPFIND, QUERY, ...) to GET, which would serve them as reads.
    let method = Method::parse(&req.inner().method());
    let body = match method {
        Method::Post | Method::Put | Method::Patch => {
            req.bytes().await.map_err(|e| e.to_string())?
        }
        // No other method this service answers takes content; it is never read.
        _ => Vec::new(),
    };
    let request = HttpRequest {
        method,
        origin,
        path: url.path().to_owned(),
        query: url.query().unwrap_or("").to_owned(),
        headers,
        body,
    };
    let (shards, dbs) = shard_pool(env)?;
    let kv = Kv(env.kv(KV_BINDING).map_err(|e| e.to_string())?);
    let secret = env
        .secret(ADMIN_SECRET)
        .ok()
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty());
    let (limiter, limiter_note) = rate_limiter(env);
    let caller_limiter = env
        .rate_limiter(AUTH_FAILURE_LIMITER_BINDING)
        .ok()
        .map(|binding| WorkersRateLimiter {
            binding,
            period_secs: AUTH_FAILURE_PERIOD_SECS,
        });
    let refused = REFUSED_CALLERS.with(|refused| *refused);
    let documentation_uri = env
        .var(DOCUMENTATION_URI_VAR)
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.trim().is_empty());
    let runtime = Runtime {
        shards: &shards,
        dbs: &dbs,
        kv: &kv,
        now_ms: started,
        admin_secret: secret.as_deref(),
        rate_limiter: limiter.as_ref().map(|l| l as &dyn RateLimiter),
        caller_limit: caller_limiter.as_ref().map(|limiter| CallerLimit {
            limiter: limiter as &dyn RateLimiter,
            refused,
        }),
        documentation_uri: documentation_uri.as_deref(),
        token_cache: token_cache(env),
        bulk_max_statements: bulk_max_statements(env),
        local_dev: super::events::local_dev(env),
    };
    let outcome = handle(&request, &runtime).await;
    super::events::enqueue_after_response(env, ctx, outcome.deliveries);
    let mut log = outcome.log;
    if let (Some(note), Some(_)) = (limiter_note, &log.org) {
        log.notes.push(note.to_owned());
    }
    if caller_limiter.is_none() && log.org.is_some() {
        log.notes
            .push("failed-authentication limiter binding missing: no limit applied".to_owned());
    }
    console_log!(
        "{}",
        json!({
            "request_id": log.request_id,
            "org": log.org,
            "method": log.method,
            "route": log.route,
            "status": log.status,
            "duration_ms": Date::now().as_millis().saturating_sub(started),
            "d1_round_trips": log.d1_round_trips,
            // Linear memory of this isolate's wasm instance (it only ever grows): shows in
            // `wrangler tail` whether the worker's own memory is stable under load.
            "wasm_memory_kib": core::arch::wasm32::memory_size(0) * 64,
            "notes": log.notes,
        })
    );
    Ok(outcome.response)
}

/// The per-org limiter, or `None` with the reason to log: the binding is missing (an older
/// deployment or a wrangler.toml without `[[ratelimits]]`) or switched off by `RATE_LIMIT=off`.
/// Either way requests are served without a limit rather than refused.
fn rate_limiter(env: &Env) -> (Option<WorkersRateLimiter>, Option<&'static str>) {
    let off = env
        .var(RATE_LIMIT_VAR)
        .map(|v| v.to_string().eq_ignore_ascii_case("off"))
        .unwrap_or(false);
    if off {
        return (None, Some("rate limit off (RATE_LIMIT=off)"));
    }
    match env.rate_limiter(RATE_LIMITER_BINDING) {
        Ok(binding) => (
            Some(WorkersRateLimiter {
                binding,
                period_secs: RATE_LIMIT_PERIOD_SECS,
            }),
            None,
        ),
        Err(_) => (None, Some("rate limiter binding missing: no limit applied")),
    }
}

fn to_worker_response(response: HttpResponse) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.set(name, value)?;
    }
    let built = match response.body {
        Some(body) => Response::ok(body)?,
        None => Response::empty()?,
    };
    Ok(built.with_status(response.status).with_headers(headers))
}
