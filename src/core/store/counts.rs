//! Per-org resource counts (`org_counts`), so an unfiltered list reads `totalResults` from one
//! row instead of counting the org's rows (COUNT(*) over 100,000 users costs ~15 ms in D1).
//! Every statement here is guarded by the state of the resource row in the same batch, so the
//! count moves only when the insert or delete it accompanies really applies.

use super::plan::Applied;
use crate::core::db::{SqlValue, Statement};
use crate::core::schema::ResourceType;

fn table(rt: ResourceType) -> &'static str {
    match rt {
        ResourceType::User => "users",
        ResourceType::Group => "groups",
    }
}

/// In an insert's side-effect slot: +1 if the insert applied (it does not when the unique
/// name is taken).
pub fn count_inserted(applied: &Applied, rt: ResourceType) -> Statement {
    let mut params: Vec<SqlValue> = applied.params().into();
    params.push(rt.name().into());
    Statement::new(
        format!(
            "INSERT INTO org_counts (org, resource, total) SELECT ?1, ?4, 1 WHERE {} \
             ON CONFLICT (org, resource) DO UPDATE SET total = total + 1",
            applied.condition(1)
        ),
        params,
    )
}

/// In a delete's side-effect slot: -1 if the delete applies.
pub fn count_deleted(applied: &Applied, rt: ResourceType) -> Statement {
    let mut params: Vec<SqlValue> = applied.params().into();
    params.push(rt.name().into());
    Statement::new(
        format!(
            "UPDATE org_counts SET total = total - 1 WHERE org = ?1 AND resource = ?4 AND {}",
            applied.condition(1)
        ),
        params,
    )
}

/// `totalResults` of an unfiltered list.
pub fn select_total(org: &str, rt: ResourceType) -> Statement {
    Statement::new(
        "SELECT COALESCE((SELECT total FROM org_counts WHERE org = ?1 AND resource = ?2), 0) AS total",
        vec![org.into(), rt.name().into()],
    )
}

/// Sets the org's counts from its rows (after an org purge, or to repair seeded data).
pub fn recount(org: &str) -> Vec<Statement> {
    [ResourceType::User, ResourceType::Group]
        .into_iter()
        .map(|rt| {
            Statement::new(
                format!(
                    "INSERT OR REPLACE INTO org_counts (org, resource, total) \
                     SELECT ?1, ?2, COUNT(*) FROM {} WHERE org = ?1",
                    table(rt)
                ),
                vec![org.into(), rt.name().into()],
            )
        })
        .collect()
}
