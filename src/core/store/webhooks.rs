//! SQL for webhook endpoints (`webhooks`), delivery progress (`webhook_cursors`) and the
//! attempt record (`webhook_deliveries`). Endpoints are few (one per deployment, one per
//! org); every per-org statement binds the org first.

use super::events;
use super::plan::{read_row, Plan, PlanBuilder};
use crate::core::db::{SqlValue, Statement};
use crate::core::events::model::StoredEvent;
use serde::Deserialize;

/// Registers (or replaces) the endpoint of `scope`, and starts its delivery at the events
/// that follow: an org endpoint after the org's current last event, the deployment endpoint
/// after every org's. Replacing an endpoint keeps the cursors it already has.
pub fn put_endpoint(
    scope: &str,
    url: &str,
    types: Option<String>,
    secret: &str,
    created: &str,
) -> Vec<Statement> {
    let start = if scope == "*" {
        "SELECT org, '*', MAX(seq) FROM events WHERE 1 GROUP BY org"
    } else {
        "SELECT ?1, ?1, MAX(seq) FROM events WHERE org = ?1 GROUP BY org"
    };
    vec![
        Statement::new(
            "INSERT INTO webhooks (scope, url, types, secret, created) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (scope) DO UPDATE SET url = excluded.url, types = excluded.types, \
             secret = excluded.secret, created = excluded.created",
            vec![
                scope.into(),
                url.into(),
                types.into(),
                secret.into(),
                created.into(),
            ],
        ),
        Statement::new(
            format!(
                "INSERT OR IGNORE INTO webhook_cursors (org, scope, delivered_seq) {start}"
            ),
            if scope == "*" {
                Vec::new()
            } else {
                vec![scope.into()]
            },
        ),
    ]
}

pub fn select_endpoint(scope: &str) -> Statement {
    Statement::new(
        "SELECT scope, url, types, secret, created FROM webhooks WHERE scope = ?1",
        vec![scope.into()],
    )
}

/// Removes the endpoint and its delivery progress.
pub fn delete_endpoint(scope: &str) -> Vec<Statement> {
    vec![
        Statement::new("DELETE FROM webhooks WHERE scope = ?1", vec![scope.into()]),
        Statement::new(
            "DELETE FROM webhook_cursors WHERE scope = ?1",
            vec![scope.into()],
        ),
    ]
}

/// The endpoints that receive `org`'s events: its own and the deployment's.
pub fn select_scopes_of(org: &str) -> Statement {
    Statement::new(
        "SELECT scope FROM webhooks WHERE scope IN ('*', ?1) ORDER BY scope",
        vec![org.into()],
    )
}

/// Where `scope` stands in `org`'s log.
pub fn select_cursor(org: &str, scope: &str) -> Statement {
    Statement::new(
        "SELECT delivered_seq, attempts, next_attempt_ms FROM webhook_cursors \
         WHERE org = ?1 AND scope = ?2",
        vec![org.into(), scope.into()],
    )
}

/// The next `limit` events `scope` has not done yet.
pub fn select_pending(org: &str, scope: &str, limit: usize) -> Statement {
    Statement::new(
        "SELECT seq, id, type, occurred_at, resource, data, previous, source FROM events \
         WHERE org = ?1 AND seq > COALESCE((SELECT delivered_seq FROM webhook_cursors \
         WHERE org = ?1 AND scope = ?2), 0) ORDER BY seq LIMIT ?3",
        vec![org.into(), scope.into(), (limit as i64).into()],
    )
}

pub fn put_cursor(
    org: &str,
    scope: &str,
    delivered_seq: i64,
    attempts: i64,
    next_attempt_ms: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO webhook_cursors (org, scope, delivered_seq, attempts, next_attempt_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (org, scope) DO UPDATE SET \
         delivered_seq = excluded.delivered_seq, attempts = excluded.attempts, \
         next_attempt_ms = excluded.next_attempt_ms",
        vec![
            org.into(),
            scope.into(),
            delivered_seq.into(),
            attempts.into(),
            next_attempt_ms.into(),
        ],
    )
}

/// Replays from `from` (inclusive) to every endpoint of `org`.
pub fn rewind(org: &str, from: i64) -> Statement {
    Statement::new(
        "INSERT INTO webhook_cursors (org, scope, delivered_seq, attempts, next_attempt_ms) \
         SELECT ?1, scope, ?2, 0, 0 FROM webhooks WHERE scope IN ('*', ?1) \
         ON CONFLICT (org, scope) DO UPDATE SET delivered_seq = excluded.delivered_seq, \
         attempts = 0, next_attempt_ms = 0",
        vec![org.into(), (from - 1).max(0).into()],
    )
}

/// One delivery attempt, as the deliveries listing shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt<'a> {
    pub scope: &'a str,
    pub seq: i64,
    pub event_id: &'a str,
    pub attempt: i64,
    pub status: &'static str,
    pub http_status: Option<i64>,
    pub duration_ms: i64,
    pub attempted_at: String,
    pub next_retry_at: Option<String>,
    pub error: Option<String>,
}

pub fn record_attempt(org: &str, attempt: &Attempt<'_>) -> Statement {
    Statement::new(
        "INSERT INTO webhook_deliveries (org, scope, seq, event_id, attempt, status, http_status, \
         duration_ms, attempted_at, next_retry_at, error) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        vec![
            org.into(),
            attempt.scope.into(),
            attempt.seq.into(),
            attempt.event_id.into(),
            attempt.attempt.into(),
            attempt.status.into(),
            attempt.http_status.into(),
            attempt.duration_ms.into(),
            attempt.attempted_at.as_str().into(),
            attempt.next_retry_at.clone().into(),
            attempt.error.clone().into(),
        ],
    )
}

/// The org's most recent attempts, newest first.
pub fn select_attempts(org: &str, limit: usize) -> Statement {
    Statement::new(
        "SELECT scope, seq, event_id, attempt, status, http_status, duration_ms, attempted_at, \
         next_retry_at, error FROM webhook_deliveries WHERE org = ?1 \
         ORDER BY attempted_at DESC, rowid DESC LIMIT ?2",
        vec![org.into(), (limit as i64).into()],
    )
}

/// Endpoints behind on an org that wrote events since `since`, and not waiting for a retry
/// at `now_ms`: what the cron sweep re-enqueues (a worker that died between its commit and
/// its enqueue loses nothing).
pub fn select_behind(since: &str, now_ms: i64, limit: usize) -> Statement {
    let params: Vec<SqlValue> = vec![since.into(), now_ms.into(), (limit as i64).into()];
    Statement::new(
        "SELECT o.org AS org, w.scope AS scope FROM (SELECT DISTINCT org FROM events WHERE occurred_at >= ?1) o \
         JOIN webhooks w ON w.scope = '*' OR w.scope = o.org \
         LEFT JOIN webhook_cursors c ON c.org = o.org AND c.scope = w.scope \
         WHERE COALESCE(c.delivered_seq, 0) < (SELECT MAX(seq) FROM events e WHERE e.org = o.org) \
         AND COALESCE(c.next_attempt_ms, 0) <= ?2 LIMIT ?3",
        params,
    )
}

/// Retention of the attempt record: up to `chunk` attempts older than `cutoff`.
pub fn prune_attempts(cutoff: &str, chunk: usize) -> Statement {
    Statement::new(
        format!(
            "DELETE FROM webhook_deliveries WHERE rowid IN (SELECT rowid FROM webhook_deliveries \
             WHERE attempted_at < ?1 ORDER BY attempted_at LIMIT {chunk})"
        ),
        vec![cutoff.into()],
    )
}

/// A `webhooks` row.
#[derive(Debug, Clone, Deserialize)]
pub struct EndpointRow {
    pub url: String,
    pub types: Option<String>,
    pub secret: String,
    pub created: String,
}

/// A `webhook_cursors` row.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct CursorRow {
    pub delivered_seq: i64,
    pub attempts: i64,
    pub next_attempt_ms: i64,
}

/// A `webhook_deliveries` row.
#[derive(Debug, Clone, Deserialize)]
pub struct AttemptRow {
    pub scope: String,
    pub seq: i64,
    pub event_id: String,
    pub attempt: i64,
    pub status: String,
    pub http_status: Option<i64>,
    pub duration_ms: i64,
    pub attempted_at: String,
    pub next_retry_at: Option<String>,
    pub error: Option<String>,
}

#[derive(Deserialize)]
struct ScopeRow {
    scope: String,
}

#[derive(Deserialize)]
struct CountRow {
    n: i64,
}

/// A plan whose results nothing reads (writes whose effect the caller does not branch on).
fn unread(statements: Vec<Statement>) -> Plan<()> {
    let mut b = PlanBuilder::new();
    b.extend(statements);
    b.finish(|_| Ok(()))
}

pub fn put(scope: &str, url: &str, types: Option<String>, secret: &str, created: &str) -> Plan<()> {
    unread(put_endpoint(scope, url, types, secret, created))
}

pub fn get(scope: &str) -> Plan<Option<EndpointRow>> {
    Plan::single(select_endpoint(scope), |result| {
        result.rows.into_iter().next().map(read_row).transpose()
    })
}

pub fn delete(scope: &str) -> Plan<()> {
    unread(delete_endpoint(scope))
}

/// Rewinds every endpoint of `org` to `from`; decodes to how many endpoints that is.
pub fn redeliver(org: &str, from: i64) -> Plan<i64> {
    let mut b = PlanBuilder::new();
    b.push(rewind(org, from));
    let count = b.push(Statement::new(
        "SELECT COUNT(*) AS n FROM webhooks WHERE scope IN ('*', ?1)",
        vec![org.into()],
    ));
    b.finish(move |r| Ok(r.one_row::<CountRow>(count)?.n))
}

pub fn attempts(org: &str, limit: usize) -> Plan<Vec<AttemptRow>> {
    Plan::single(select_attempts(org, limit), |result| {
        result.rows.into_iter().map(read_row).collect()
    })
}

pub fn scopes_of(org: &str) -> Plan<Vec<String>> {
    Plan::single(select_scopes_of(org), |result| {
        result
            .rows
            .into_iter()
            .map(|row| read_row::<ScopeRow>(row).map(|r| r.scope))
            .collect()
    })
}

/// What a pump needs: the endpoint, its cursor in the org's log, and what follows it.
pub struct PumpState {
    pub endpoint: Option<EndpointRow>,
    pub cursor: CursorRow,
    pub pending: Vec<StoredEvent>,
}

pub fn pump_state(org: &str, scope: &str, limit: usize) -> Plan<PumpState> {
    let mut b = PlanBuilder::new();
    let endpoint = b.push(select_endpoint(scope));
    let cursor = b.push(select_cursor(org, scope));
    let pending = b.push(select_pending(org, scope, limit));
    let org = org.to_owned();
    b.finish(move |r| {
        Ok(PumpState {
            endpoint: r.first_row(endpoint)?,
            cursor: r.first_row(cursor)?.unwrap_or_default(),
            pending: events::decode_events(&org, r.take(pending).rows)?,
        })
    })
}

/// The pump's writes: its attempts and where the cursor now stands.
pub fn pump_progress(statements: Vec<Statement>) -> Plan<()> {
    unread(statements)
}

#[derive(Deserialize)]
struct BehindRow {
    org: String,
    scope: String,
}

/// `select_behind` as (org, scope) pairs.
pub fn behind(since: &str, now_ms: i64, limit: usize) -> Plan<Vec<(String, String)>> {
    Plan::single(select_behind(since, now_ms, limit), |result| {
        result
            .rows
            .into_iter()
            .map(|row| read_row::<BehindRow>(row).map(|r| (r.org, r.scope)))
            .collect()
    })
}
