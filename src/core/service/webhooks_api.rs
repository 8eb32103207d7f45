//! Webhook administration (docs/events.md): `PUT|GET|DELETE /admin/webhook` (every org's
//! events) and `/admin/orgs/{org}/webhook` (one org's), `GET /admin/orgs/{org}/deliveries`
//! and `POST /admin/orgs/{org}/webhook/redeliver?from={seq}`. The signing secret is shown once,
//! in the answer to the PUT that creates it.

use super::admin::ok_json;
use super::context::{Ctx, Failure};
use crate::core::clock::format_timestamp;
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::events::signature::SigningSecret;
use crate::core::events::webhook::{parse_config, types_from_json, Scope};
use crate::core::http::{query_pairs, HttpResponse};
use crate::core::store::webhooks as store;
use serde_json::{json, Map, Value};

/// Attempts the deliveries listing shows by default, and at most.
const DEFAULT_ATTEMPTS: usize = 50;
const MAX_ATTEMPTS: usize = 500;

fn scope_json(scope: &Scope) -> Value {
    match scope {
        Scope::Deployment => Value::from("*"),
        Scope::Org(org) => Value::from(org.as_str()),
    }
}

/// `PUT`: registers or replaces the endpoint with a fresh secret; deliveries start with the
/// events written after this call.
pub(crate) async fn put<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    scope: &Scope,
) -> Result<HttpResponse, Failure> {
    let config = parse_config(&ctx.request.body, ctx.runtime.local_dev)?;
    let secret =
        SigningSecret::generate().map_err(|e| Failure::Internal(format!("getrandom: {e}")))?;
    let created = format_timestamp(ctx.now_ms());
    // Every shard holds the endpoints (a few rows), so each shard's delivery reads its orgs'
    // events and endpoints in one place, and a moved org finds its endpoint where it lands.
    for shard in 0..ctx.runtime.dbs.len() {
        ctx.run_on(
            shard,
            store::put(
                scope.key(),
                &config.url,
                config.types_json(),
                secret.expose(),
                &created,
            ),
        )
        .await?;
    }
    ctx.note(format!("admin: webhook of {} set", scope.key()));
    let mut body = Map::new();
    body.insert("scope".into(), scope_json(scope));
    body.insert("url".into(), Value::from(config.url.as_str()));
    body.insert(
        "types".into(),
        config.types.as_ref().map_or(Value::Null, |types| {
            Value::from(types.iter().map(|t| t.name()).collect::<Vec<_>>())
        }),
    );
    body.insert("secret".into(), Value::from(secret.expose()));
    body.insert("created".into(), Value::from(created));
    Ok(ok_json(200, Value::Object(body)))
}

fn no_endpoint(scope: &Scope) -> Failure {
    let whose = match scope {
        Scope::Deployment => "this deployment".to_owned(),
        Scope::Org(org) => format!("org {org}"),
    };
    ScimError::not_found(format!("No webhook endpoint is registered for {whose}.")).into()
}

/// `GET`: the endpoint without its secret.
pub(crate) async fn get<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    scope: &Scope,
) -> Result<HttpResponse, Failure> {
    let row = ctx
        .run_on(0, store::get(scope.key()))
        .await?
        .ok_or_else(|| no_endpoint(scope))?;
    let types = types_from_json(row.types.as_deref())
        .map(|types| Value::from(types.iter().map(|t| t.name()).collect::<Vec<_>>()));
    Ok(ok_json(
        200,
        json!({
            "scope": scope_json(scope),
            "url": row.url,
            "types": types,
            "created": row.created,
        }),
    ))
}

/// `DELETE`: 204, whether or not there was one.
pub(crate) async fn delete<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    scope: &Scope,
) -> Result<HttpResponse, Failure> {
    for shard in 0..ctx.runtime.dbs.len() {
        ctx.run_on(shard, store::delete(scope.key())).await?;
    }
    ctx.note(format!("admin: webhook of {} removed", scope.key()));
    Ok(HttpResponse {
        status: 204,
        headers: vec![("cache-control".into(), "no-store".into())],
        body: None,
    })
}

/// `POST .../webhook/redeliver?from={seq}`: every endpoint receiving the org's events
/// starts again at `from`; 202, delivery follows through the queue.
pub(crate) async fn redeliver<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &str,
) -> Result<HttpResponse, Failure> {
    let pairs = query_pairs(&ctx.request.query);
    let from = pairs
        .iter()
        .find(|(k, _)| k == "from")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .filter(|n| (1..1 << 53).contains(n))
        .ok_or_else(|| {
            ScimError::invalid_value(
                "from (the first seq to deliver again, 1 or more) is required.",
            )
        })?;
    let endpoints = ctx.run(store::redeliver(org, from)).await?;
    if endpoints == 0 {
        return Err(no_endpoint(&Scope::Org(org.to_owned())));
    }
    ctx.wake_deliveries(org);
    ctx.note(format!("admin: redeliver {org} from {from}"));
    Ok(ok_json(
        202,
        json!({"org": org, "from": from, "endpoints": endpoints}),
    ))
}

/// `GET /admin/orgs/{org}/deliveries?limit=`: the most recent attempts, newest first.
pub(crate) async fn deliveries<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &str,
) -> Result<HttpResponse, Failure> {
    let mut limit = DEFAULT_ATTEMPTS;
    for (name, value) in query_pairs(&ctx.request.query) {
        match name.as_str() {
            "limit" => {
                limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_ATTEMPTS).contains(n))
                    .ok_or_else(|| {
                        ScimError::invalid_value(format!(
                            "limit must be a whole number from 1 to {MAX_ATTEMPTS}."
                        ))
                    })?
            }
            other => {
                return Err(ScimError::invalid_value(format!(
                    "Unknown query parameter '{other}'; the only one is limit."
                ))
                .into())
            }
        }
    }
    let attempts: Vec<Value> = ctx
        .run(store::attempts(org, limit))
        .await?
        .into_iter()
        .map(|row| {
            json!({
                "scope": row.scope,
                "seq": row.seq,
                "eventId": row.event_id,
                "attempt": row.attempt,
                "status": row.status,
                "httpStatus": row.http_status,
                "durationMs": row.duration_ms,
                "attemptedAt": row.attempted_at,
                "nextRetryAt": row.next_retry_at,
                "error": row.error,
            })
        })
        .collect();
    Ok(ok_json(200, json!({"org": org, "deliveries": attempts})))
}
