//! SQL that removes every row of one org, a chunk at a time. D1 stops a statement after 30 s
//! and a Worker invocation after 50 (Free) or 1,000 (Paid) queries, so a large org cannot go
//! in one `DELETE ... WHERE org = ?`: each statement here deletes at most `chunk` rows, and the
//! caller repeats them until they delete fewer than that.
//!
//! The tables are `WITHOUT ROWID`, so rows are picked by their primary key (which starts with
//! `org`, keeping both the sub-select and the delete on the primary-key index). Every statement
//! binds only the org: one parameter, far below D1's 100.

use super::counts;
use super::plan::{Handle, Plan, PlanBuilder};
use crate::core::db::{SqlValue, Statement};
use serde::Deserialize;

/// The tables an org owns, in the order they are emptied: membership and email rows first, so
/// an interrupted purge never leaves a row pointing at a resource that is already gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgTable {
    GroupMembers,
    UserEmails,
    Groups,
    Users,
}

impl OrgTable {
    pub const ALL: [OrgTable; 4] = [
        OrgTable::GroupMembers,
        OrgTable::UserEmails,
        OrgTable::Groups,
        OrgTable::Users,
    ];

    pub fn table(self) -> &'static str {
        match self {
            OrgTable::GroupMembers => "group_members",
            OrgTable::UserEmails => "user_emails",
            OrgTable::Groups => "groups",
            OrgTable::Users => "users",
        }
    }

    /// The primary-key columns after `org` (see schema.sql).
    fn key(self) -> &'static str {
        match self {
            OrgTable::GroupMembers => "group_id, member_id",
            OrgTable::UserEmails => "user_id, value_ci",
            OrgTable::Groups | OrgTable::Users => "id",
        }
    }

    /// Deletes up to `chunk` of the org's rows in this table. `chunk` is ours, never the
    /// client's, so it is written into the SQL rather than bound.
    pub fn delete_chunk(self, org: &str, chunk: usize) -> Statement {
        let (table, key) = (self.table(), self.key());
        let target = if key.contains(',') {
            format!("({key})")
        } else {
            key.to_owned()
        };
        Statement::new(
            format!(
                "DELETE FROM {table} WHERE org = ?1 AND {target} IN \
                 (SELECT {key} FROM {table} WHERE org = ?1 LIMIT {chunk})"
            ),
            vec![SqlValue::from(org)],
        )
    }
}

/// One round of a purge: a chunk of each of `tables`, decoded as how many rows each removed
/// (`None` when the driver did not say: the caller assumes more may be left).
pub fn round(org: &str, tables: &[OrgTable], chunk: usize) -> Plan<Vec<(OrgTable, Option<u64>)>> {
    let mut b = PlanBuilder::new();
    let handles: Vec<(OrgTable, Handle)> = tables
        .iter()
        .map(|&t| (t, b.push(t.delete_chunk(org, chunk))))
        .collect();
    b.finish(move |r| {
        Ok(handles
            .into_iter()
            .map(|(t, h)| (t, r.take(h).changes))
            .collect())
    })
}

#[derive(Deserialize)]
struct RemainingRow {
    remaining: i64,
}

/// The end of a purge: the org's counts set from whatever rows are left, and whether any are
/// (true: rows remain).
pub fn finish(org: &str) -> Plan<bool> {
    let mut b = PlanBuilder::new();
    b.extend(counts::recount(org));
    let left = b.push(any_left(org));
    b.finish(move |r| Ok(r.one_row::<RemainingRow>(left)?.remaining != 0))
}

/// One row, column `remaining`: 1 while any of the org's rows is left in any table, else 0.
fn any_left(org: &str) -> Statement {
    let exists: Vec<String> = OrgTable::ALL
        .iter()
        .map(|t| format!("EXISTS (SELECT 1 FROM {} WHERE org = ?1)", t.table()))
        .collect();
    Statement::new(
        format!("SELECT ({}) AS remaining", exists.join(" OR ")),
        vec![SqlValue::from(org)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::db::{Database, MAX_BOUND_PARAMETERS};
    use crate::core::testing::{block_on, SqliteDb};

    fn seed(db: &SqliteDb, org: &str, n: usize) {
        for i in 0..n {
            let id = format!("{org}-u{i}");
            db.query(
                "INSERT INTO users (org, id, user_name, user_name_ci, data, created, last_modified, version) \
                 VALUES (?1, ?2, ?2, ?2, '{}', 't', 't', 1)",
                vec![org.into(), id.clone().into()],
            );
            db.query(
                "INSERT INTO user_emails (org, user_id, value_ci) VALUES (?1, ?2, ?2 || '@x')",
                vec![org.into(), id.clone().into()],
            );
            db.query(
                "INSERT INTO group_members (org, group_id, member_id, member_type) VALUES (?1, 'g', ?2, 'User')",
                vec![org.into(), id.into()],
            );
        }
        db.query(
            "INSERT INTO groups (org, id, display_name, display_name_ci, data, created, last_modified, version) \
             VALUES (?1, 'g', 'G', 'g', '{}', 't', 't', 1)",
            vec![org.into()],
        );
    }

    fn count(db: &SqliteDb, table: &str, org: &str) -> i64 {
        db.query(
            &format!("SELECT COUNT(*) AS n FROM {table} WHERE org = ?1"),
            vec![org.into()],
        )[0]["n"]
            .as_i64()
            .unwrap()
    }

    #[test]
    fn statements_bind_only_the_org() {
        for table in OrgTable::ALL {
            let statement = table.delete_chunk("acme", 5000);
            assert_eq!(statement.params, vec![SqlValue::from("acme")]);
            assert!(statement.params.len() <= MAX_BOUND_PARAMETERS);
        }
        assert_eq!(any_left("acme").params.len(), 1);
    }

    #[test]
    fn a_chunk_deletes_at_most_chunk_rows_of_that_org_only() {
        let db = SqliteDb::new();
        seed(&db, "acme", 7);
        seed(&db, "other", 3);
        for table in OrgTable::ALL {
            let before = count(&db, table.table(), "acme");
            let result = block_on(db.batch(vec![table.delete_chunk("acme", 5)])).unwrap();
            let expected = before.min(5);
            assert_eq!(
                result[0].changes,
                Some(expected as u64),
                "{}",
                table.table()
            );
            assert_eq!(count(&db, table.table(), "acme"), before - expected);
        }
        let left = block_on(db.batch(vec![any_left("acme")])).unwrap();
        assert_eq!(left[0].rows[0]["remaining"], 1);
        for table in OrgTable::ALL {
            block_on(db.batch(vec![table.delete_chunk("acme", 5)])).unwrap();
        }
        let left = block_on(db.batch(vec![any_left("acme")])).unwrap();
        assert_eq!(left[0].rows[0]["remaining"], 0);
        assert_eq!(count(&db, "users", "other"), 3);
        assert_eq!(count(&db, "user_emails", "other"), 3);
        assert_eq!(count(&db, "group_members", "other"), 3);
        assert_eq!(count(&db, "groups", "other"), 1);
    }
}
