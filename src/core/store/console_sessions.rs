//! Console sessions (table `console_sessions`): the SHA-256 of each session id, the tag of the
//! admin secret it was opened with, and its expiry. The hashing, the tag and the cookie rules
//! live in `console::session`; this module only stores and finds rows.

use super::plan::{Plan, PlanBuilder};
use crate::core::db::Statement;
use serde::de::IgnoredAny;

/// Stores a new session and removes expired ones (one batch).
pub fn open(id_hash: &str, secret_tag: &str, now_ms: u64, expires_ms: u64) -> Plan<()> {
    let mut b = PlanBuilder::new();
    b.push(Statement::new(
        "DELETE FROM console_sessions WHERE expires_ms <= ?1",
        vec![(now_ms as i64).into()],
    ));
    b.push(Statement::new(
        "INSERT INTO console_sessions (id_hash, secret_tag, created_ms, expires_ms) \
         VALUES (?1, ?2, ?3, ?4)",
        vec![
            id_hash.into(),
            secret_tag.into(),
            (now_ms as i64).into(),
            (expires_ms as i64).into(),
        ],
    ));
    b.finish(|_| Ok(()))
}

/// Whether the session is open: its row exists, was opened under this secret's tag, and has
/// not expired at `now_ms`.
pub fn is_open(id_hash: &str, secret_tag: &str, now_ms: u64) -> Plan<bool> {
    let mut b = PlanBuilder::new();
    let found = b.push(Statement::new(
        "SELECT expires_ms FROM console_sessions \
         WHERE id_hash = ?1 AND secret_tag = ?2 AND expires_ms > ?3",
        vec![id_hash.into(), secret_tag.into(), (now_ms as i64).into()],
    ));
    b.finish(move |r| Ok(r.first_row::<IgnoredAny>(found)?.is_some()))
}

/// Ends a session (sign-out).
pub fn close(id_hash: &str) -> Plan<()> {
    Plan::single(
        Statement::new(
            "DELETE FROM console_sessions WHERE id_hash = ?1",
            vec![id_hash.into()],
        ),
        |_| Ok(()),
    )
}
