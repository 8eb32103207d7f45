//! Webhook delivery: a "pump" moves one endpoint through one org's log, strictly in `seq`
//! order, from its cursor on. The D1 log is the source of truth and the queue only carries
//! "go look" messages, so a lost or duplicated message costs nothing: the cron sweep finds
//! endpoints that are behind, and a second pump on the same endpoint at worst delivers an
//! event twice (consumers dedupe on `webhook-id`, the event id).
//!
//! A failed delivery (non-2xx, timeout, network error) is retried with exponential backoff
//! (`retry_delays`), and the events after it wait, so they arrive in order. After the last
//! delay the attempt is recorded as `failed` and the endpoint moves on; `redeliver` replays.

use super::model::StoredEvent;
use super::run_plan;
use super::signature::{delivery_headers, SigningSecret};
use super::webhook::{check_url, types_from_json, EndpointConfig};
use crate::core::clock::format_timestamp;
use crate::core::db::{Database, DbError, Statement};
use crate::core::store::webhooks as store;
use serde::{Deserialize, Serialize};

/// A queue message: "deliver `org`'s new events", to one endpoint (`scope`) or, when `None`,
/// to every endpoint that receives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryMessage {
    pub org: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// What a webhook receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostResult {
    /// The HTTP status, or `None` when there was no answer (timeout, network error).
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

/// Sends one signed POST (the Workers `fetch` in production, a recorder in tests).
#[allow(async_fn_in_trait)]
pub trait WebhookPoster {
    async fn post(&self, url: &str, headers: &[(String, String)], body: &str) -> PostResult;
}

/// Default backoff: 10 s, 1 min, 5 min, 30 min, 2 h, then every 6 h; about three days in all
/// (15 attempts after the first).
pub const DEFAULT_RETRY_DELAYS: [u32; 15] = [
    10, 60, 300, 1_800, 7_200, 21_600, 21_600, 21_600, 21_600, 21_600, 21_600, 21_600, 21_600,
    21_600, 21_600,
];

/// Queues delay a message by at most 12 hours.
const MAX_QUEUE_DELAY_SECS: u32 = 43_200;

/// `WEBHOOK_RETRY_DELAYS`: seconds, comma-separated (tests use `1,1,1`); anything unreadable
/// falls back to the default.
pub fn retry_delays(var: Option<&str>) -> Vec<u32> {
    let parsed: Option<Vec<u32>> = var.map(|v| {
        v.split(',')
            .map(|s| {
                s.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|d| *d <= MAX_QUEUE_DELAY_SECS)
            })
            .collect::<Option<Vec<u32>>>()
            .unwrap_or_default()
    });
    match parsed {
        Some(delays) if !delays.is_empty() => delays,
        _ => DEFAULT_RETRY_DELAYS.to_vec(),
    }
}

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    pub retry_delays: Vec<u32>,
    /// `LOCAL_DEV`: loopback `http://` receivers allowed.
    pub local: bool,
    /// Events one pump delivers before handing over to a fresh message.
    pub events_per_pump: usize,
}

/// What to do after a pump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PumpOutcome {
    /// Nothing left (or no endpoint, or a retry is already scheduled).
    Idle,
    /// More events wait: enqueue the pump again now.
    More,
    /// A delivery failed: enqueue the pump again after this many seconds.
    RetryIn(u32),
}

/// Resolves a message into the (scope, outcome) of every pump it ran.
pub async fn handle_message<D: Database, P: WebhookPoster>(
    db: &D,
    poster: &P,
    message: &DeliveryMessage,
    now_ms: u64,
    settings: &DeliverySettings,
) -> Result<Vec<(String, PumpOutcome)>, DbError> {
    let scopes: Vec<String> = match &message.scope {
        Some(scope) => vec![scope.clone()],
        None => run_plan(db, store::scopes_of(&message.org)).await?,
    };
    let mut outcomes = Vec::new();
    for scope in scopes {
        let outcome = pump(db, poster, &message.org, &scope, now_ms, settings).await?;
        outcomes.push((scope, outcome));
    }
    Ok(outcomes)
}

struct Endpoint {
    config: EndpointConfig,
    secret: SigningSecret,
}

/// Delivers `org`'s pending events to endpoint `scope`, in order, until one fails or
/// `events_per_pump` went. Two D1 round trips: read, then cursor and attempts together.
pub async fn pump<D: Database, P: WebhookPoster>(
    db: &D,
    poster: &P,
    org: &str,
    scope: &str,
    now_ms: u64,
    settings: &DeliverySettings,
) -> Result<PumpOutcome, DbError> {
    let state = run_plan(db, store::pump_state(org, scope, settings.events_per_pump)).await?;
    let endpoint = state.endpoint.and_then(|row| {
        Some(Endpoint {
            config: EndpointConfig {
                url: row.url,
                types: types_from_json(row.types.as_deref()),
            },
            secret: SigningSecret::parse(&row.secret)?,
        })
    });
    let Some(endpoint) = endpoint else {
        return Ok(PumpOutcome::Idle);
    };
    let mut delivered = state.cursor.delivered_seq;
    let mut attempts = state.cursor.attempts;
    if (now_ms as i64) < state.cursor.next_attempt_ms {
        // A retry is scheduled; this (duplicate or early) message must not jump the backoff.
        return Ok(PumpOutcome::Idle);
    }
    let pending: Vec<StoredEvent> = state.pending;
    let mut writes: Vec<Statement> = Vec::new();
    let mut outcome = if pending.len() >= settings.events_per_pump {
        PumpOutcome::More
    } else {
        PumpOutcome::Idle
    };
    let mut next_ms = 0i64;
    let mut clock_ms = now_ms;
    for event in &pending {
        if !endpoint.config.wants(&event.kind) {
            delivered = event.seq;
            continue;
        }
        let body = event.to_json().to_string();
        let result = match check_url(&endpoint.config.url, settings.local) {
            Ok(()) => {
                let headers = delivery_headers(&endpoint.secret, &event.id, clock_ms / 1000, &body);
                poster.post(&endpoint.config.url, &headers, &body).await
            }
            Err(why) => PostResult {
                status: None,
                error: Some(why),
                duration_ms: 0,
            },
        };
        let attempted_at = format_timestamp(clock_ms);
        clock_ms += result.duration_ms;
        let ok = result.status.is_some_and(|s| (200..300).contains(&s));
        let attempt = attempts + 1;
        let retry_delay = settings.retry_delays.get(attempts as usize).copied();
        let (status, next_retry_at) = match (ok, retry_delay) {
            (true, _) => ("delivered", None),
            (false, Some(delay)) => ("retrying", Some(clock_ms + u64::from(delay) * 1000)),
            (false, None) => ("failed", None),
        };
        writes.push(store::record_attempt(
            org,
            &store::Attempt {
                scope,
                seq: event.seq,
                event_id: &event.id,
                attempt,
                status,
                http_status: result.status.map(i64::from),
                duration_ms: result.duration_ms as i64,
                attempted_at,
                next_retry_at: next_retry_at.map(format_timestamp),
                error: result.error.clone(),
            },
        ));
        match (status, retry_delay) {
            ("retrying", Some(delay)) => {
                attempts = attempt;
                next_ms = next_retry_at.unwrap_or(0) as i64;
                outcome = PumpOutcome::RetryIn(delay);
                break;
            }
            _ => {
                delivered = event.seq;
                attempts = 0;
            }
        }
    }
    writes.push(store::put_cursor(org, scope, delivered, attempts, next_ms));
    run_plan(db, store::pump_progress(writes)).await?;
    Ok(outcome)
}

#[cfg(test)]
#[path = "delivery_tests.rs"]
mod tests;
