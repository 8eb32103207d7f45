//! SQL for the change log (`events`, `event_heads`). Every append computes its `seq` inside
//! the batch that makes the change, as the org's highest `seq` + 1 (or, once retention has
//! emptied the log, the number kept in `event_heads`). D1 runs a batch as one transaction and
//! batches one at a time, so concurrent writers can neither share a number nor skip one, and
//! the primary key `(org, seq)` would fail the whole batch (change included) if they ever did.
//!
//! Each append is guarded by the same condition as the write it records: an event for an
//! insert or update exists only if the row now has this request's random new version; an
//! event for a delete is written just before the delete, on the condition the delete uses.
//! Member events (`member_events`) are computed set-wise, before the membership statement
//! they describe, against the membership as it stands.

use super::plan::{json_text, read_row, Applied, DecodeError, Plan, PlanBuilder};
use crate::core::db::{Row, SqlValue, Statement};
use crate::core::events::model::{EventType, NewEvent, Source, StoredEvent};
use crate::core::schema::ResourceType;
use serde::Deserialize;
use serde_json::Value;

/// The org's last `seq` so far (`?1` is the org).
pub(super) const LAST_SEQ: &str = "COALESCE((SELECT MAX(seq) FROM events WHERE org = ?1), \
     (SELECT last_seq FROM event_heads WHERE org = ?1), 0)";

/// A fresh event id: `evt_` + 128 random bits in hex.
pub(super) const NEW_EVENT_ID: &str = "'evt_' || lower(hex(randomblob(16)))";

pub(super) const COLUMNS: &str =
    "org, seq, id, type, occurred_at, resource, data, previous, source";

fn table(rt: ResourceType) -> &'static str {
    match rt {
        ResourceType::User => "users",
        ResourceType::Group => "groups",
    }
}

/// When an event is appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard<'a> {
    /// Unconditionally (operator actions, whose effect is already done).
    Always,
    /// Only if row `id` of `table` now has `version`: this batch's own write applied (a
    /// write plan's `Applied` guard).
    Applied {
        table: &'static str,
        id: &'a str,
        version: i64,
    },
}

impl Guard<'_> {
    /// The condition and its parameters, numbered from `?{first}`.
    fn sql(&self, first: usize) -> (String, Vec<SqlValue>) {
        match self {
            Guard::Always => ("1".into(), Vec::new()),
            Guard::Applied { table, id, version } => (
                format!(
                    "EXISTS (SELECT 1 FROM {table} WHERE org = ?1 AND id = ?{} AND version = ?{})",
                    first,
                    first + 1
                ),
                vec![(*id).into(), (*version).into()],
            ),
        }
    }
}

fn json_param(value: &Option<Value>) -> SqlValue {
    value.as_ref().map(Value::to_string).into()
}

/// Appends one event described in full by the writer (created, updated, org events).
pub fn append(org: &str, event: &NewEvent, guard: Guard<'_>) -> Statement {
    let (condition, guard_params) = guard.sql(8);
    let mut params: Vec<SqlValue> = vec![
        org.into(),
        event.kind.name().into(),
        event.occurred_at.as_str().into(),
        json_param(&event.resource),
        event.data.to_string().into(),
        json_param(&event.previous),
        event.source.name().into(),
    ];
    params.extend(guard_params);
    Statement::new(
        format!(
            "INSERT INTO events ({COLUMNS}) \
             SELECT ?1, {LAST_SEQ} + 1, {NEW_EVENT_ID}, ?2, ?3, ?4, ?5, ?6, ?7 WHERE {condition}"
        ),
        params,
    )
}

/// `resource` of a row `r` of users or groups, built in SQL.
fn resource_sql(rt: ResourceType) -> &'static str {
    match rt {
        ResourceType::User => {
            "json_object('type', 'User', 'id', r.id, 'externalId', r.external_id, 'userName', r.user_name)"
        }
        ResourceType::Group => {
            "json_object('type', 'Group', 'id', r.id, 'externalId', r.external_id, 'displayName', r.display_name)"
        }
    }
}

/// Between the stamp of a delete (the row gets the delete's own random `version` only if
/// `If-Match` admits it) and the DELETE itself, while the row and its memberships are still
/// there: `group.member_removed` for every group the resource leaves, then `user.deleted` /
/// `group.deleted` whose `data` is the resource as last stored (its attributes, `id` and
/// `meta`). Nothing unless the row carries `version`, so a 404 or 412 appends nothing.
pub fn deleted(
    org: &str,
    rt: ResourceType,
    id: &str,
    version: i64,
    occurred_at: &str,
    source: Source,
) -> Vec<Statement> {
    let params: Vec<SqlValue> = vec![
        org.into(),
        id.into(),
        occurred_at.into(),
        source.name().into(),
        version.into(),
    ];
    let condition = " AND r.version = ?5";
    let member_type = rt.name();
    let left = Statement::new(
        format!(
            "INSERT INTO events ({COLUMNS}) \
             SELECT ?1, b.last + ROW_NUMBER() OVER (ORDER BY g.display_name_ci, g.id), {NEW_EVENT_ID}, \
             'group.member_removed', ?3, \
             json_object('type', 'Group', 'id', g.id, 'externalId', g.external_id, 'displayName', g.display_name), \
             json_object('group', json_object('id', g.id, 'displayName', g.display_name), \
               'member', json_object('type', '{member_type}', 'value', r.id, 'display', {display})), \
             NULL, ?4 \
             FROM {table} r \
             JOIN group_members m ON m.org = r.org AND m.member_id = r.id \
             JOIN groups g ON g.org = m.org AND g.id = m.group_id \
             CROSS JOIN (SELECT {LAST_SEQ} AS last) b \
             WHERE r.org = ?1 AND r.id = ?2{condition}",
            table = table(rt),
            display = match rt {
                ResourceType::User => "COALESCE(m.display, r.display_name, r.user_name)",
                ResourceType::Group => "COALESCE(m.display, r.display_name)",
            },
        ),
        params.clone(),
    );
    let kind = match rt {
        ResourceType::User => EventType::UserDeleted,
        ResourceType::Group => EventType::GroupDeleted,
    };
    let gone = Statement::new(
        format!(
            "INSERT INTO events ({COLUMNS}) \
             SELECT ?1, {LAST_SEQ} + 1, {NEW_EVENT_ID}, '{kind}', ?3, {resource}, \
             json_patch(r.data, json_object('id', r.id, 'meta', json_object('resourceType', '{member_type}', \
               'created', r.created, 'lastModified', r.last_modified))), NULL, ?4 \
             FROM {table} r WHERE r.org = ?1 AND r.id = ?2{condition}",
            kind = kind.name(),
            resource = resource_sql(rt),
            table = table(rt),
        ),
        params,
    );
    vec![left, gone]
}

/// One page of an org's log after `after`, in `seq` order, at most `limit` rows, optionally
/// of the given types only. Reads the primary key from `(org, after)` on: no scan before it.
pub fn select_page(org: &str, after: i64, limit: usize, types: &[EventType]) -> Statement {
    let mut params: Vec<SqlValue> = vec![org.into(), after.into(), (limit as i64).into()];
    let filter = if types.is_empty() {
        ""
    } else {
        let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
        params.push(Value::from(names).to_string().into());
        " AND type IN (SELECT value FROM json_each(?4))"
    };
    Statement::new(
        format!(
            "SELECT seq, id, type, occurred_at, resource, data, previous, source FROM events \
             WHERE org = ?1 AND seq > ?2{filter} ORDER BY seq LIMIT ?3"
        ),
        params,
    )
}

/// The retained range of an org's log: `oldest`, `latest` (NULL when the log is empty) and
/// `head` (the last number handed out before retention emptied it, if it did).
pub fn select_bounds(org: &str) -> Statement {
    Statement::new(
        "SELECT (SELECT MIN(seq) FROM events WHERE org = ?1) AS oldest, \
         (SELECT MAX(seq) FROM events WHERE org = ?1) AS latest, \
         (SELECT last_seq FROM event_heads WHERE org = ?1) AS head",
        vec![org.into()],
    )
}

/// The first retained and the last written `seq` of an org (`oldest` is `latest + 1` when
/// nothing is retained; `latest` is 0 before the first event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub oldest: i64,
    pub latest: i64,
}

#[derive(Deserialize)]
struct BoundsRow {
    oldest: Option<i64>,
    latest: Option<i64>,
    head: Option<i64>,
}

impl From<BoundsRow> for Bounds {
    fn from(row: BoundsRow) -> Bounds {
        match (row.oldest, row.latest) {
            (Some(oldest), Some(latest)) => Bounds { oldest, latest },
            _ => {
                let head = row.head.unwrap_or(0);
                Bounds {
                    oldest: head + 1,
                    latest: head,
                }
            }
        }
    }
}

/// An `events` row as `select_page`, `select_one` and `webhooks::select_pending` read it.
#[derive(Deserialize)]
struct EventRow {
    seq: i64,
    id: String,
    #[serde(rename = "type")]
    kind: String,
    occurred_at: String,
    resource: Option<String>,
    data: String,
    previous: Option<String>,
    source: String,
}

pub fn decode_event(org: &str, row: Row) -> Result<StoredEvent, DecodeError> {
    let row: EventRow = read_row(row)?;
    Ok(StoredEvent {
        id: row.id,
        seq: row.seq,
        kind: row.kind,
        org: org.to_owned(),
        occurred_at: row.occurred_at,
        resource: json_text(row.resource.as_deref())?,
        data: json_text(Some(&row.data))?.unwrap_or(Value::Null),
        previous: json_text(row.previous.as_deref())?,
        source: row.source,
    })
}

pub fn decode_events(org: &str, rows: Vec<Row>) -> Result<Vec<StoredEvent>, DecodeError> {
    rows.into_iter().map(|row| decode_event(org, row)).collect()
}

/// A page of the log and its bounds, read together (one round trip, one instant).
pub fn page(
    org: &str,
    after: i64,
    limit: usize,
    types: &[EventType],
) -> Plan<(Vec<StoredEvent>, Bounds)> {
    let mut b = PlanBuilder::new();
    let events = b.push(select_page(org, after, limit, types));
    let bounds = b.push(select_bounds(org));
    let org = org.to_owned();
    b.finish(move |r| {
        let events = decode_events(&org, r.take(events).rows)?;
        let bounds: BoundsRow = r.one_row(bounds)?;
        Ok((events, bounds.into()))
    })
}

/// Appends `event` (when there is one) unconditionally: an operator event.
pub fn append_plan(org: &str, event: Option<&NewEvent>) -> Plan<()> {
    let mut b = PlanBuilder::new();
    if let Some(event) = event {
        b.push(append(org, event, Guard::Always));
    }
    b.finish(|_| Ok(()))
}

/// Appends `event` in a write plan's side-effect slot: it is written exactly when the write
/// applied (see `plan::Applied`).
pub fn append_applied(event: &NewEvent, applied: &Applied) -> Statement {
    append(
        &applied.org,
        event,
        Guard::Applied {
            table: applied.table,
            id: &applied.id,
            version: applied.version,
        },
    )
}

/// Retention, one chunk: first keeps the last number of every org whose events the chunk
/// removes (so numbering continues after the log is emptied), then deletes up to `chunk`
/// events older than `cutoff`, oldest first, through `events_by_time`.
pub fn prune_chunk(cutoff: &str, chunk: usize) -> Vec<Statement> {
    let oldest = format!(
        "SELECT org, seq FROM events WHERE occurred_at < ?1 ORDER BY occurred_at LIMIT {chunk}"
    );
    vec![
        Statement::new(
            format!(
                "INSERT INTO event_heads (org, last_seq) \
                 SELECT org, MAX(seq) FROM events WHERE org IN (SELECT org FROM ({oldest})) GROUP BY org \
                 ON CONFLICT (org) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)"
            ),
            vec![cutoff.into()],
        ),
        Statement::new(
            format!("DELETE FROM events WHERE (org, seq) IN ({oldest})"),
            vec![cutoff.into()],
        ),
    ]
}

/// One retention round: `prune_chunk` and the attempts' chunk, decoding to how many events
/// and attempts went (`None` when the database did not say).
pub fn prune(cutoff: &str, chunk: usize) -> Plan<(Option<u64>, Option<u64>)> {
    let [heads, delete]: [Statement; 2] = prune_chunk(cutoff, chunk)
        .try_into()
        .unwrap_or_else(|_| unreachable!("prune_chunk is two statements"));
    let mut b = PlanBuilder::new();
    b.push(heads);
    let events = b.push(delete);
    let attempts = b.push(super::webhooks::prune_attempts(cutoff, chunk));
    b.finish(move |r| Ok((r.take(events).changes, r.take(attempts).changes)))
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
