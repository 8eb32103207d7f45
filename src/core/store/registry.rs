//! The shard column of the org registry (`orgs`, the console's table, in the control shard):
//! which shard holds each org. KV's org record is what requests read; the registry is what
//! placement counts and the console lists. The admin API writes both in the same request.

use super::plan::{Plan, PlanBuilder};
use crate::core::clock::format_timestamp;
use crate::core::db::Statement;
use serde::Deserialize;

/// Records the org on `shard` (registering it if new).
pub fn record(org: &str, shard: &str, now_ms: u64) -> Plan<()> {
    Plan::single(
        Statement::new(
            "INSERT INTO orgs (org, created, shard) VALUES (?1, ?2, ?3) \
             ON CONFLICT (org) DO UPDATE SET shard = excluded.shard",
            vec![org.into(), format_timestamp(now_ms).into(), shard.into()],
        ),
        |_| Ok(()),
    )
}

#[derive(Deserialize)]
struct LoadRow {
    shard: String,
    orgs: i64,
}

/// Orgs per shard name (an org without a shard counts for `control`, the control shard;
/// shards without orgs are absent).
pub fn load(control: &str) -> Plan<Vec<(String, u64)>> {
    let mut b = PlanBuilder::new();
    let h = b.push(Statement::new(
        "SELECT COALESCE(shard, ?1) AS shard, COUNT(*) AS orgs FROM orgs \
         GROUP BY COALESCE(shard, ?1)",
        vec![control.into()],
    ));
    b.finish(move |r| {
        Ok(r.rows::<LoadRow>(h)?
            .into_iter()
            .map(|row| (row.shard, row.orgs.max(0) as u64))
            .collect())
    })
}
