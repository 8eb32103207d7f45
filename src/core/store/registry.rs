//! The org registry in the control shard (`org_shards`): which shard holds each org. KV's org
//! record is what requests read; this table is what placement counts and listings read. The
//! admin API writes both in the same request, the registry first on placement (a crash
//! between the two leaves a registry row without a token: harmless, and the next token
//! request rewrites it).

use super::plan::{Plan, PlanBuilder};
use crate::core::db::{SqlValue, Statement};
use serde::Deserialize;

/// Records (or moves) the org onto `shard`.
pub fn record(org: &str, shard: &str, now_ms: u64) -> Plan<()> {
    Plan::single(
        Statement::new(
            "INSERT INTO org_shards (org, shard, placed_ms) VALUES (?1, ?2, ?3) \
             ON CONFLICT (org) DO UPDATE SET shard = excluded.shard, placed_ms = excluded.placed_ms",
            vec![org.into(), shard.into(), SqlValue::Integer(now_ms as i64)],
        ),
        |_| Ok(()),
    )
}

/// Forgets the org (it was deleted).
pub fn remove(org: &str) -> Plan<()> {
    Plan::single(
        Statement::new("DELETE FROM org_shards WHERE org = ?1", vec![org.into()]),
        |_| Ok(()),
    )
}

#[derive(Deserialize)]
struct LoadRow {
    shard: String,
    orgs: i64,
}

/// Orgs per shard name (shards without orgs are absent).
pub fn load() -> Plan<Vec<(String, u64)>> {
    let mut b = PlanBuilder::new();
    let h = b.push(Statement::new(
        "SELECT shard, COUNT(*) AS orgs FROM org_shards GROUP BY shard",
        vec![],
    ));
    b.finish(move |r| {
        Ok(r.rows::<LoadRow>(h)?
            .into_iter()
            .map(|row| (row.shard, row.orgs.max(0) as u64))
            .collect())
    })
}
