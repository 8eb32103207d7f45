//! Workers glue for directory events: the Queue producer (after a response) and consumer
//! (webhook delivery), the Cron Trigger (retention and the delivery sweep), and the `fetch`
//! that posts a signed event to a receiver. The decisions live in `core::events`.

use super::entry::{shard_pool, KV_BINDING};
use crate::core::events::delivery::{
    handle_message, retry_delays, DeliveryMessage, DeliverySettings, PostResult, PumpOutcome,
    WebhookPoster,
};
use crate::core::events::retention::{self, retention_days, MAINTENANCE_LIMITS};
use crate::core::kv::KeyValue;
use crate::core::token::{kv_key, TokenRecord};
use futures_util::future::{select, Either};
use serde_json::json;
use std::pin::pin;
use std::time::Duration;
use wasm_bindgen::JsValue;
use worker::{
    console_log, event, AbortController, Context, Date, Delay, Env, Fetch, Headers, MessageBatch,
    MessageBuilder, MessageExt, Method, Queue, Request, RequestInit, RequestRedirect,
    ScheduleContext, ScheduledEvent,
};

/// The `[[queues.producers]]` binding that carries delivery messages.
pub const QUEUE_BINDING: &str = "WEBHOOK_QUEUE";
/// `"true"` on a local deployment (`make dev`, the tests): loopback `http://` receivers.
pub const LOCAL_DEV_VAR: &str = "LOCAL_DEV";
pub const RETENTION_VAR: &str = "EVENT_RETENTION_DAYS";
pub const RETRY_DELAYS_VAR: &str = "WEBHOOK_RETRY_DELAYS";

/// A receiver that has not answered after this long counts as failed (and is retried).
const POST_TIMEOUT: Duration = Duration::from_secs(10);
/// Events one queue message delivers before handing over to a fresh message.
const EVENTS_PER_PUMP: usize = 25;

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string())
}

pub(crate) fn local_dev(env: &Env) -> bool {
    var(env, LOCAL_DEV_VAR).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn log(value: serde_json::Value) {
    console_log!("{}", value);
}

/// Sends the request's delivery messages once the response is on its way. Without a queue
/// binding (or if sending fails) nothing is lost: the cron sweep finds what is behind.
pub(crate) fn enqueue_after_response(env: &Env, ctx: &Context, messages: Vec<DeliveryMessage>) {
    if messages.is_empty() {
        return;
    }
    let queue = match env.queue(QUEUE_BINDING) {
        Ok(queue) => queue,
        Err(_) => {
            log(
                json!({"level": "warn", "message": "no webhook queue binding: delivery waits for the cron sweep"}),
            );
            return;
        }
    };
    ctx.wait_until(async move {
        send_all(&queue, messages, 0).await;
    });
}

async fn send_all(queue: &Queue, messages: Vec<DeliveryMessage>, delay_seconds: u32) {
    for message in messages {
        let built = MessageBuilder::new(message.clone())
            .delay_seconds(delay_seconds)
            .build();
        if let Err(e) = queue.send(built).await {
            log(json!({"level": "error", "message": format!("enqueue {}: {e}", message.org)}));
        }
    }
}

/// Posts with `fetch`: no redirects followed (a 3xx is a failure), `POST_TIMEOUT` at most.
struct FetchPoster;

impl WebhookPoster for FetchPoster {
    async fn post(&self, url: &str, headers: &[(String, String)], body: &str) -> PostResult {
        let started = Date::now().as_millis();
        let elapsed = || Date::now().as_millis().saturating_sub(started);
        let failed = |error: String, duration_ms| PostResult {
            status: None,
            error: Some(error),
            duration_ms,
        };
        let request_headers = Headers::new();
        for (name, value) in headers {
            if let Err(e) = request_headers.set(name, value) {
                return failed(format!("header {name}: {e}"), 0);
            }
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(request_headers)
            .with_redirect(RequestRedirect::Manual)
            .with_body(Some(JsValue::from_str(body)));
        let request = match Request::new_with_init(url, &init) {
            Ok(request) => request,
            Err(e) => return failed(format!("request: {e}"), 0),
        };
        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = Fetch::Request(request);
        let sending = pin!(fetch.send_with_signal(&signal));
        let timeout = pin!(Delay::from(POST_TIMEOUT));
        match select(sending, timeout).await {
            Either::Left((Ok(response), _)) => PostResult {
                status: Some(response.status_code()),
                error: None,
                duration_ms: elapsed(),
            },
            Either::Left((Err(e), _)) => failed(e.to_string(), elapsed()),
            Either::Right(_) => {
                controller.abort();
                failed(
                    format!("no answer within {} s", POST_TIMEOUT.as_secs()),
                    elapsed(),
                )
            }
        }
    }
}

fn settings(env: &Env) -> DeliverySettings {
    DeliverySettings {
        retry_delays: retry_delays(var(env, RETRY_DELAYS_VAR).as_deref()),
        local: local_dev(env),
        events_per_pump: EVENTS_PER_PUMP,
    }
}

/// The consumer: each message pumps one org's events to its endpoints, then schedules what
/// follows (more events now, or a retry after the backoff delay).
#[event(queue)]
async fn deliver(
    batch: MessageBatch<DeliveryMessage>,
    env: Env,
    _ctx: Context,
) -> worker::Result<()> {
    let (shards, dbs) = shard_pool(&env).map_err(worker::Error::RustError)?;
    let kv = super::kv::Kv(env.kv(KV_BINDING)?);
    let queue = env.queue(QUEUE_BINDING)?;
    let settings = settings(&env);
    for message in batch.iter() {
        let message = match message {
            Ok(message) => message,
            Err(e) => {
                log(
                    json!({"level": "error", "message": format!("unreadable delivery message: {e}")}),
                );
                continue;
            }
        };
        let body = message.body().clone();
        let now = Date::now().as_millis();
        // The org's log is on its shard, named by its KV record (the control shard for an
        // org without one, or one deleted since).
        let record = kv.get(&kv_key(&body.org)).await.ok().flatten();
        let shard = record
            .and_then(|raw| serde_json::from_str::<TokenRecord>(&raw).ok())
            .and_then(|r| r.shard)
            .and_then(|name| shards.index_of(&name))
            .unwrap_or(0);
        let db = &dbs[shard];
        match handle_message(db, &FetchPoster, &body, now, &settings).await {
            Ok(outcomes) => {
                for (scope, outcome) in outcomes {
                    let next = vec![DeliveryMessage {
                        org: body.org.clone(),
                        scope: Some(scope),
                    }];
                    match outcome {
                        PumpOutcome::Idle => {}
                        PumpOutcome::More => send_all(&queue, next, 0).await,
                        PumpOutcome::RetryIn(delay) => send_all(&queue, next, delay).await,
                    }
                }
                message.ack();
            }
            Err(e) => {
                log(
                    json!({"level": "error", "org": body.org, "message": format!("delivery: {}", e.message)}),
                );
                message.retry();
            }
        }
    }
    Ok(())
}

/// The Cron Trigger: prunes events and delivery attempts past retention (bounded chunks)
/// and re-enqueues endpoints that are behind.
#[event(scheduled)]
async fn maintain(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let result = async {
        let (shards, dbs) = shard_pool(&env)?;
        let days = retention_days(var(&env, RETENTION_VAR).as_deref());
        let mut lines = Vec::new();
        // Every shard keeps its own orgs' logs: retention and the sweep run on each.
        for (shard, db) in shards.shards().iter().zip(&dbs) {
            let report = retention::run(db, Date::now().as_millis(), days, MAINTENANCE_LIMITS)
                .await
                .map_err(|e| format!("shard {}: {}", shard.name, e.message))?;
            let woken = report.wake.len();
            if let Ok(queue) = env.queue(QUEUE_BINDING) {
                send_all(&queue, report.wake, 0).await;
            }
            lines.push(json!({
                "shard": shard.name,
                "events_removed": report.events_removed,
                "attempts_removed": report.attempts_removed,
                "backlog": report.backlog,
                "endpoints_woken": woken,
            }));
        }
        Ok::<_, String>(json!({
            "cron": "events",
            "retention_days": days,
            "shards": lines,
        }))
    }
    .await;
    match result {
        Ok(line) => log(line),
        Err(message) => log(json!({"level": "error", "cron": "events", "message": message})),
    }
}
