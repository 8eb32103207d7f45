//! Per-org resource counts (`org_counts`), so an unfiltered list reads `totalResults` from one
//! row instead of counting the org's rows (COUNT(*) over 100,000 users costs ~15 ms in D1).
//! Every statement here is guarded by the state of the resource row in the same batch, so the
//! count moves only when the insert or delete it accompanies really applies.

use crate::core::db::Statement;
use crate::core::schema::ResourceType;

fn table(rt: ResourceType) -> &'static str {
    match rt {
        ResourceType::User => "users",
        ResourceType::Group => "groups",
    }
}

/// After an insert of `id` at `version`: +1 if the row is there (it was not inserted when its
/// unique name was taken).
pub fn count_inserted(org: &str, rt: ResourceType, id: &str, version: i64) -> Statement {
    Statement::new(
        format!(
            "INSERT INTO org_counts (org, resource, total) SELECT ?1, ?2, 1 \
             WHERE EXISTS (SELECT 1 FROM {} WHERE org = ?1 AND id = ?3 AND version = ?4) \
             ON CONFLICT (org, resource) DO UPDATE SET total = total + 1",
            table(rt)
        ),
        vec![org.into(), rt.name().into(), id.into(), version.into()],
    )
}

/// Before the delete of `id` (with the same `If-Match` condition): -1 if the row that the
/// next statement deletes exists.
pub fn count_deleted(org: &str, rt: ResourceType, id: &str, if_version: Option<i64>) -> Statement {
    let condition = if if_version.is_some() {
        " AND version = ?4"
    } else {
        ""
    };
    let mut params = vec![org.into(), rt.name().into(), id.into()];
    if let Some(v) = if_version {
        params.push(v.into());
    }
    Statement::new(
        format!(
            "UPDATE org_counts SET total = total - 1 WHERE org = ?1 AND resource = ?2 \
             AND EXISTS (SELECT 1 FROM {} WHERE org = ?1 AND id = ?3{condition})",
            table(rt)
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
