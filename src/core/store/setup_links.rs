//! Setup links (table `setup_links`): the SHA-256 of each link, the org it is bound to, its
//! creation and expiry times and whether it was revoked. The link itself, its hash and its
//! public id (the hash's first 16 hex digits) are `console::setup_link`'s.

use super::plan::{Plan, PlanBuilder};
use crate::core::db::Statement;
use serde::de::IgnoredAny;
use serde::Deserialize;

/// What storing a new link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewLink {
    Stored,
    /// The org is not in the registry: no link was stored.
    OrgNotRegistered,
}

/// Stores the link when the org is registered.
pub fn insert(org: &str, hash: &str, now_ms: u64, expires_ms: u64) -> Plan<NewLink> {
    let mut b = PlanBuilder::new();
    let inserted = b.push(Statement::new(
        "INSERT INTO setup_links (link_hash, org, created_ms, expires_ms, revoked) \
         SELECT ?1, ?2, ?3, ?4, 0 WHERE EXISTS (SELECT 1 FROM orgs WHERE org = ?2) \
         RETURNING org",
        vec![
            hash.into(),
            org.into(),
            (now_ms as i64).into(),
            (expires_ms as i64).into(),
        ],
    ));
    b.finish(move |r| {
        Ok(match r.first_row::<IgnoredAny>(inserted)? {
            Some(_) => NewLink::Stored,
            None => NewLink::OrgNotRegistered,
        })
    })
}

/// What a looked-up link allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    Valid { org: String, expires_ms: u64 },
    Expired,
    Revoked,
    Unknown,
}

#[derive(Deserialize)]
struct LinkRow {
    org: String,
    expires_ms: u64,
    revoked: i64,
}

/// The link's state at `now_ms`, whatever it is (the page tells expired from revoked from
/// unknown).
pub fn lookup(hash: &str, now_ms: u64) -> Plan<LinkState> {
    let mut b = PlanBuilder::new();
    let found = b.push(Statement::new(
        "SELECT org, expires_ms, revoked FROM setup_links WHERE link_hash = ?1",
        vec![hash.into()],
    ));
    b.finish(move |r| {
        Ok(match r.first_row::<LinkRow>(found)? {
            None => LinkState::Unknown,
            Some(link) if link.revoked != 0 => LinkState::Revoked,
            Some(link) if link.expires_ms <= now_ms => LinkState::Expired,
            Some(link) => LinkState::Valid {
                org: link.org,
                expires_ms: link.expires_ms,
            },
        })
    })
}

/// A link as the console lists it (never the link itself: only its stored hash).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LinkSummary {
    pub link_hash: String,
    pub created_ms: u64,
    pub expires_ms: u64,
    #[serde(deserialize_with = "flag")]
    pub revoked: bool,
}

/// An SQLite boolean (an integer; D1 sends it as a float, `read_row` makes it whole).
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(i64::deserialize(d)? != 0)
}

/// The org's links that have not expired (newest first), at most 100.
pub fn list(org: &str, now_ms: u64) -> Plan<Vec<LinkSummary>> {
    let mut b = PlanBuilder::new();
    let links = b.push(Statement::new(
        "SELECT link_hash, created_ms, expires_ms, revoked FROM setup_links \
         WHERE org = ?1 AND expires_ms > ?2 ORDER BY created_ms DESC LIMIT 100",
        vec![org.into(), (now_ms as i64).into()],
    ));
    b.finish(move |r| r.rows(links))
}

/// Revokes the org's link whose public id is `id` (the first 16 hex digits of its hash);
/// false when the org has no such link.
pub fn revoke(org: &str, id: &str) -> Plan<bool> {
    let mut b = PlanBuilder::new();
    let revoked = b.push(Statement::new(
        "UPDATE setup_links SET revoked = 1 WHERE org = ?1 AND substr(link_hash, 1, 16) = ?2 \
         RETURNING link_hash",
        vec![org.into(), id.into()],
    ));
    b.finish(move |r| Ok(r.first_row::<IgnoredAny>(revoked)?.is_some()))
}

/// Every link of an org (org deletion).
pub fn delete_for_org(org: &str) -> Plan<()> {
    Plan::single(
        Statement::new("DELETE FROM setup_links WHERE org = ?1", vec![org.into()]),
        |_| Ok(()),
    )
}
