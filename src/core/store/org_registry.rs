//! The org registry (table `orgs`): the list the console shows, read consistently from D1.
//! KV stays the token store every SCIM request reads; the registry mirrors the token's
//! creation time and last four characters, written by the admin request that changes them.
//! Orgs whose token was written to KV directly (`make token`, or before the registry existed)
//! are added by the backfill pass (`POST /admin/backfill`, which the console runs after each
//! sign-in): it lists the `org:` keys of KV and registers the ones D1 does not know.
//!
//! Writes are `Plan<()>` so the admin request joins them with its operator event (and org
//! deletion with the setup links' removal) into one batch.

use super::keyset_page::KeysetPage;
use super::plan::{Plan, PlanBuilder};
use crate::core::db::{SqlValue, Statement, MAX_BOUND_PARAMETERS};
use serde::de::IgnoredAny;
use serde::Deserialize;

/// Orgs per page of the console's list.
pub const PAGE_SIZE: usize = 50;

/// A plan of write statements whose results are not read.
fn writes(statements: impl IntoIterator<Item = Statement>) -> Plan<()> {
    let mut b = PlanBuilder::new();
    b.extend(statements);
    b.finish(|_| Ok(()))
}

/// Registers `org` (if new) with its current token's metadata.
pub fn upsert_token(org: &str, now: &str, token_created: &str, last4: &str) -> Plan<()> {
    writes([Statement::new(
        "INSERT INTO orgs (org, created, token_created, token_last4) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (org) DO UPDATE SET token_created = excluded.token_created, \
         token_last4 = excluded.token_last4",
        vec![org.into(), now.into(), token_created.into(), last4.into()],
    )])
}

/// The org stays registered without a token (revocation).
pub fn clear_token(org: &str) -> Plan<()> {
    writes([Statement::new(
        "UPDATE orgs SET token_created = NULL, token_last4 = NULL WHERE org = ?1",
        vec![org.into()],
    )])
}

/// Removes the org from the registry (org deletion).
pub fn delete(org: &str) -> Plan<()> {
    writes([Statement::new(
        "DELETE FROM orgs WHERE org = ?1",
        vec![org.into()],
    )])
}

/// Whether the registry holds `org`.
pub fn exists(org: &str) -> Plan<bool> {
    let mut b = PlanBuilder::new();
    let found = b.push(Statement::new(
        "SELECT 1 AS found FROM orgs WHERE org = ?1",
        vec![org.into()],
    ));
    b.finish(move |r| Ok(r.first_row::<IgnoredAny>(found)?.is_some()))
}

/// `LIKE` pattern text with `%`, `_` and `\` escaped (used with `ESCAPE '\'`).
fn like_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// An org as the console lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgSummary {
    pub org: String,
    /// The shard the org lives on (`None`: the control shard, for orgs registered before
    /// shards or by the backfill). `activity` is read in the control shard's tables, so it
    /// holds only for orgs that live there; `activity` below reads it on another shard.
    pub shard: Option<String>,
    /// When it was registered (RFC 3339).
    pub created: String,
    /// The current token's metadata; `None` once revoked (or never issued).
    pub token: Option<TokenSummary>,
    pub activity: OrgActivity,
}

/// What the registry mirrors of an org's current token.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenSummary {
    pub created: String,
    pub last4: Option<String>,
}

/// An org's resource counts and the latest `lastModified` of its users and groups, read
/// from its directory tables.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgActivity {
    pub users: i64,
    pub groups: i64,
    pub last_activity: Option<String>,
}

/// The columns `OrgActivity` is read from.
#[derive(Deserialize)]
struct ActivityRow {
    users: i64,
    groups: i64,
    user_activity: Option<String>,
    group_activity: Option<String>,
}

impl From<ActivityRow> for OrgActivity {
    fn from(row: ActivityRow) -> Self {
        OrgActivity {
            users: row.users,
            groups: row.groups,
            last_activity: row.user_activity.max(row.group_activity),
        }
    }
}

#[derive(Deserialize)]
struct OrgRow {
    org: String,
    created: String,
    shard: Option<String>,
    token_created: Option<String>,
    token_last4: Option<String>,
    #[serde(flatten)]
    activity: ActivityRow,
}

impl From<OrgRow> for OrgSummary {
    fn from(row: OrgRow) -> Self {
        OrgSummary {
            org: row.org,
            created: row.created,
            shard: row.shard,
            token: row.token_created.map(|created| TokenSummary {
                created,
                last4: row.token_last4,
            }),
            activity: row.activity.into(),
        }
    }
}

/// One page of orgs whose name contains `search` (ASCII case-insensitively), after `after`
/// in name order, with counts and the last change seen in their directory. Reads one row more
/// than a page to tell whether another page follows.
pub fn list(search: &str, after: &str) -> Plan<KeysetPage<OrgSummary>> {
    let mut b = PlanBuilder::new();
    let page = b.push(Statement::new(
        format!(
            "SELECT o.org, o.created, o.token_created, o.token_last4, o.shard, \
             COALESCE((SELECT total FROM org_counts c WHERE c.org = o.org AND c.resource = 'User'), 0) AS users, \
             COALESCE((SELECT total FROM org_counts c WHERE c.org = o.org AND c.resource = 'Group'), 0) AS groups, \
             (SELECT MAX(last_modified) FROM users u WHERE u.org = o.org) AS user_activity, \
             (SELECT MAX(last_modified) FROM groups g WHERE g.org = o.org) AS group_activity \
             FROM orgs o WHERE o.org LIKE '%' || ?1 || '%' ESCAPE '\\' AND o.org > ?2 \
             ORDER BY o.org LIMIT {}",
            PAGE_SIZE + 1
        ),
        vec![like_escape(search).into(), after.into()],
    ));
    b.finish(move |r| {
        let rows: Vec<OrgRow> = r.rows(page)?;
        Ok(KeysetPage::cut(
            rows,
            PAGE_SIZE,
            |o| o.org.clone(),
            OrgSummary::from,
        ))
    })
}

/// The activity of each of `orgs`, read on the shard they live on (one batch; for orgs the
/// control shard's `list` cannot count).
pub fn activity(orgs: &[String]) -> Plan<Vec<OrgActivity>> {
    let mut b = PlanBuilder::new();
    let handles = b.extend(orgs.iter().map(|org| {
        Statement::new(
            "SELECT COALESCE((SELECT total FROM org_counts WHERE org = ?1 AND resource = 'User'), 0) AS users, \
             COALESCE((SELECT total FROM org_counts WHERE org = ?1 AND resource = 'Group'), 0) AS groups, \
             (SELECT MAX(last_modified) FROM users WHERE org = ?1) AS user_activity, \
             (SELECT MAX(last_modified) FROM groups WHERE org = ?1) AS group_activity",
            vec![org.as_str().into()],
        )
    }));
    b.finish(move |r| {
        handles
            .into_iter()
            .map(|h| Ok(r.one_row::<ActivityRow>(h)?.into()))
            .collect()
    })
}

#[derive(Deserialize)]
struct KnownRow {
    org: String,
}

/// Which of `orgs` the registry already holds (statements of at most 100 names each, one
/// batch).
pub fn known(orgs: &[String]) -> Plan<Vec<String>> {
    let mut b = PlanBuilder::new();
    let chunks = b.extend(orgs.chunks(MAX_BOUND_PARAMETERS).map(|chunk| {
        let marks = vec!["?"; chunk.len()].join(", ");
        Statement::new(
            format!("SELECT org FROM orgs WHERE org IN ({marks})"),
            chunk.iter().map(|o| SqlValue::from(o.as_str())).collect(),
        )
    }));
    b.finish(move |r| {
        let mut known = Vec::new();
        for chunk in chunks {
            known.extend(r.rows::<KnownRow>(chunk)?.into_iter().map(|row| row.org));
        }
        Ok(known)
    })
}

/// A backfilled org: its name and, when KV holds a readable record, the token's metadata.
pub struct Backfilled {
    pub org: String,
    pub token: Option<(String, String)>,
    /// The shard its KV record names (`None`: the control shard).
    pub shard: Option<String>,
}

/// Inserts backfilled orgs (existing rows are left alone), one batch.
pub fn insert_backfilled(orgs: &[Backfilled], now: &str) -> Plan<()> {
    writes(backfill_statements(orgs, now))
}

/// The inserts of `insert_backfilled`: 20 rows (100 parameters) a statement.
fn backfill_statements(orgs: &[Backfilled], now: &str) -> Vec<Statement> {
    orgs.chunks(MAX_BOUND_PARAMETERS / 5)
        .map(|chunk| {
            let rows = vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let mut params = Vec::with_capacity(chunk.len() * 5);
            for org in chunk {
                let created = org.token.as_ref().map_or(now, |(c, _)| c.as_str());
                params.push(SqlValue::from(org.org.as_str()));
                params.push(created.into());
                params.push(org.token.as_ref().map(|(c, _)| c.as_str()).into());
                params.push(org.token.as_ref().map(|(_, l)| l.as_str()).into());
                params.push(org.shard.as_deref().into());
            }
            Statement::new(
                format!(
                    "INSERT INTO orgs (org, created, token_created, token_last4, shard) VALUES {rows} \
                     ON CONFLICT (org) DO NOTHING"
                ),
                params,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_escape("a_b%c\\"), "a\\_b\\%c\\\\");
    }

    #[test]
    fn backfill_statements_stay_within_the_parameter_limit() {
        let orgs: Vec<Backfilled> = (0..60)
            .map(|i| Backfilled {
                org: format!("o{i}"),
                token: None,
                shard: None,
            })
            .collect();
        let plan = insert_backfilled(&orgs, "2026-01-01T00:00:00.000Z");
        let statements = plan.statements();
        assert_eq!(statements.len(), 3); // 20 rows of 5 parameters each
        assert!(statements
            .iter()
            .all(|s| s.params.len() <= MAX_BOUND_PARAMETERS));
    }
}
