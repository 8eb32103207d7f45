//! The move lock of an org on one shard (`org_locks`, with the triggers of
//! migrations/0004_shards.sql): while a row is there, the database itself refuses every write
//! to the org's rows with `LOCKED_MESSAGE`, which the service answers as 503 + Retry-After.

use super::org_rows;
use super::plan::{Plan, PlanBuilder};
use crate::core::db::{SqlValue, Statement};
use serde::Deserialize;

/// What the triggers raise (D1 passes it on in the error message).
pub const LOCKED_MESSAGE: &str = "scim-edge: org locked for a move";
/// What a refused write is told to wait: a move of a typical org takes seconds.
pub const RETRY_AFTER_SECS: u32 = 5;

/// The states of `org_locks.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    /// Being copied away: no write.
    Moving,
    /// Moved away: no write; leftovers may still be purged.
    Moved,
}

impl LockState {
    fn as_str(self) -> &'static str {
        match self {
            LockState::Moving => "moving",
            LockState::Moved => "moved",
        }
    }
}

/// Sets (or changes) the org's lock on this shard.
pub fn lock(org: &str, state: LockState, now_ms: u64) -> Statement {
    Statement::new(
        "INSERT INTO org_locks (org, state, since_ms) VALUES (?1, ?2, ?3) \
         ON CONFLICT (org) DO UPDATE SET state = excluded.state, since_ms = excluded.since_ms",
        vec![
            org.into(),
            state.as_str().into(),
            SqlValue::Integer(now_ms as i64),
        ],
    )
}

/// Removes the org's lock on this shard (the org may be written here again).
pub fn unlock(org: &str) -> Statement {
    Statement::new("DELETE FROM org_locks WHERE org = ?1", vec![org.into()])
}

pub fn lock_plan(org: &str, state: LockState, now_ms: u64) -> Plan<()> {
    Plan::single(lock(org, state, now_ms), |_| Ok(()))
}

#[derive(Deserialize)]
struct Left {
    remaining: i64,
}

/// One batch of an old copy's purge: the lock turns to 'purging' (the only state whose
/// deletes the triggers let through), a chunk of every table of the org goes, the lock
/// returns to 'moved'. One atomic batch, so no other write ever sees 'purging'. Decodes
/// whether rows are left.
pub fn purge_locked_round(org: &str, chunk: usize) -> Plan<bool> {
    let mut b = PlanBuilder::new();
    b.push(Statement::new(
        "UPDATE org_locks SET state = 'purging' WHERE org = ?1",
        vec![org.into()],
    ));
    b.extend(org_rows::purge_statements(org, chunk));
    b.push(Statement::new(
        "UPDATE org_locks SET state = 'moved' WHERE org = ?1",
        vec![org.into()],
    ));
    let left = b.push(org_rows::any_left(org));
    b.finish(move |r| Ok(r.one_row::<Left>(left)?.remaining != 0))
}
