//! An org's rows as data, table by table: read a page at a time in primary-key order, and
//! written back under another org or on another shard. Export, import and move all use this:
//! rows travel exactly as stored (ids, versions, timestamps, JSON documents), so a copy
//! answers every SCIM GET byte for byte as the original did.
//!
//! Column lists are fixed here (a test checks them against schema.sql), and an imported row
//! may name only these columns: nothing from a file is ever written into SQL text.

use super::plan::{Plan, PlanBuilder};
use crate::core::db::{Row, SqlValue, Statement, MAX_BOUND_PARAMETERS};
use serde::Deserialize;
use serde_json::Value;

/// One org-owned table: its name, the key rows are paged by (after `org`), and every column
/// but `org`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSpec {
    pub name: &'static str,
    pub key: &'static [&'static str],
    pub columns: &'static [&'static str],
    /// Rows an empty org may already have (derived counts at zero, the log of an org deleted
    /// before a restore, its delivery cursors): an insert replaces them.
    pub replace: bool,
    /// A directory table (users, emails, groups, memberships): "an empty org" has none.
    pub directory: bool,
    /// A rowid table without a primary key (deleted by rowid; paged by `key`, which then
    /// orders but need not be unique, and a copy is checked by counting).
    pub rowid: bool,
}

const fn directory(
    name: &'static str,
    key: &'static [&'static str],
    columns: &'static [&'static str],
) -> TableSpec {
    TableSpec {
        name,
        key,
        columns,
        replace: false,
        directory: true,
        rowid: false,
    }
}

const fn kept(
    name: &'static str,
    key: &'static [&'static str],
    columns: &'static [&'static str],
) -> TableSpec {
    TableSpec {
        name,
        key,
        columns,
        replace: true,
        directory: false,
        rowid: false,
    }
}

/// Every table an org owns, in copy order: resources before the rows that refer to them, then
/// the event log (docs/events.md) and its delivery state, which move with the org.
pub const TABLES: [TableSpec; 9] = [
    directory(
        "users",
        &["id"],
        &[
            "id",
            "user_name",
            "user_name_ci",
            "external_id",
            "display_name",
            "display_name_ci",
            "active",
            "data",
            "created",
            "last_modified",
            "version",
        ],
    ),
    directory(
        "user_emails",
        &["user_id", "value_ci"],
        &["user_id", "value_ci"],
    ),
    directory(
        "groups",
        &["id"],
        &[
            "id",
            "display_name",
            "display_name_ci",
            "external_id",
            "data",
            "created",
            "last_modified",
            "version",
        ],
    ),
    directory(
        "group_members",
        &["group_id", "member_id"],
        &["group_id", "member_id", "member_type", "display"],
    ),
    kept("org_counts", &["resource"], &["resource", "total"]),
    kept(
        "events",
        &["seq"],
        &[
            "seq",
            "id",
            "type",
            "occurred_at",
            "resource",
            "data",
            "previous",
            "source",
        ],
    ),
    kept("event_heads", &[], &["last_seq"]),
    kept(
        "webhook_cursors",
        &["scope"],
        &["scope", "delivered_seq", "attempts", "next_attempt_ms"],
    ),
    TableSpec {
        name: "webhook_deliveries",
        key: &["attempted_at", "scope", "seq", "attempt"],
        columns: &[
            "scope",
            "seq",
            "event_id",
            "attempt",
            "status",
            "http_status",
            "duration_ms",
            "attempted_at",
            "next_retry_at",
            "error",
        ],
        replace: false,
        directory: false,
        rowid: true,
    },
];

/// The table called `name`.
pub fn spec(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

impl TableSpec {
    /// Up to `limit` of the org's rows after `after` (a row of this table, for its key), in
    /// key order, without the `org` column.
    pub fn page(
        &self,
        org: &str,
        after: Option<&Row>,
        limit: usize,
    ) -> Result<Plan<Vec<Row>>, String> {
        let mut params: Vec<SqlValue> = vec![org.into()];
        let mut condition = String::new();
        if self.key.is_empty() {
            // At most one row per org (`event_heads`): one page.
            let sql = format!(
                "SELECT {} FROM {} WHERE org = ?1 AND ?2 = 0",
                self.columns.join(", "),
                self.name
            );
            params.push(SqlValue::Integer(i64::from(after.is_some())));
            let mut b = PlanBuilder::new();
            let h = b.push(Statement::new(sql, params));
            return Ok(b.finish(move |r| r.rows::<Row>(h)));
        }
        if let Some(after) = after {
            let mut placeholders = Vec::new();
            for key in self.key {
                params.push(to_sql(after.get(*key).unwrap_or(&Value::Null))?);
                placeholders.push(format!("?{}", params.len()));
            }
            condition = format!(
                " AND ({}) > ({})",
                self.key.join(", "),
                placeholders.join(", ")
            );
        }
        let sql = format!(
            "SELECT {} FROM {} WHERE org = ?1{condition} ORDER BY {} LIMIT {limit}",
            self.columns.join(", "),
            self.name,
            self.key.join(", ")
        );
        let mut b = PlanBuilder::new();
        let h = b.push(Statement::new(sql, params));
        Ok(b.finish(move |r| r.rows::<Row>(h)))
    }

    /// Deletes up to `chunk` of the org's rows. `chunk` is ours, never a client's, so it is
    /// written into the SQL.
    pub fn delete_chunk(&self, org: &str, chunk: usize) -> Statement {
        let sql = if self.rowid {
            format!(
                "DELETE FROM {t} WHERE rowid IN (SELECT rowid FROM {t} WHERE org = ?1 LIMIT {chunk})",
                t = self.name
            )
        } else if self.key.is_empty() {
            format!("DELETE FROM {} WHERE org = ?1", self.name)
        } else {
            let key = self.key.join(", ");
            format!(
                "DELETE FROM {t} WHERE org = ?1 AND ({key}) IN \
                 (SELECT {key} FROM {t} WHERE org = ?1 LIMIT {chunk})",
                t = self.name
            )
        };
        Statement::new(sql, vec![org.into()])
    }

    /// INSERT statements writing `rows` for `org`, as many rows per statement as D1's 100
    /// bound parameters allow. A row must name only this table's columns (missing ones are
    /// NULL, which the schema refuses where a value is required).
    pub fn insert(&self, org: &str, rows: &[Row]) -> Result<Vec<Statement>, String> {
        let width = self.columns.len() + 1;
        let per_statement = (MAX_BOUND_PARAMETERS / width).max(1);
        let mut statements = Vec::new();
        for chunk in rows.chunks(per_statement) {
            let mut params: Vec<SqlValue> = vec![org.into()];
            let mut tuples = Vec::with_capacity(chunk.len());
            for row in chunk {
                if let Some(unknown) = row.keys().find(|k| !self.columns.contains(&k.as_str())) {
                    return Err(format!("{}: unknown column '{unknown}'", self.name));
                }
                let mut slots = vec!["?1".to_owned()];
                for column in self.columns {
                    params.push(to_sql(row.get(*column).unwrap_or(&Value::Null))?);
                    slots.push(format!("?{}", params.len()));
                }
                tuples.push(format!("({})", slots.join(", ")));
            }
            statements.push(Statement::new(
                format!(
                    "INSERT {}INTO {} (org, {}) VALUES {}",
                    if self.replace { "OR REPLACE " } else { "" },
                    self.name,
                    self.columns.join(", "),
                    tuples.join(", ")
                ),
                params,
            ));
        }
        Ok(statements)
    }
}

/// A JSON value of an exported row as a bound parameter: text, whole number, real or null.
fn to_sql(value: &Value) -> Result<SqlValue, String> {
    Ok(match value {
        Value::Null => SqlValue::Null,
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => SqlValue::Integer(i),
            (None, Some(f)) => SqlValue::Real(f),
            _ => return Err(format!("number {n} is out of range")),
        },
        Value::Array(_) | Value::Object(_) => {
            return Err("a column value must be text, a number or null".into())
        }
    })
}

#[derive(Deserialize)]
struct CountRow {
    n: i64,
}

/// How many rows the org has in each table (in `TABLES` order): a copy is checked against it.
pub fn counts(org: &str) -> Plan<Vec<u64>> {
    let mut b = PlanBuilder::new();
    let handles: Vec<_> = TABLES
        .iter()
        .map(|t| {
            b.push(Statement::new(
                format!("SELECT COUNT(*) AS n FROM {} WHERE org = ?1", t.name),
                vec![org.into()],
            ))
        })
        .collect();
    b.finish(move |r| {
        handles
            .into_iter()
            .map(|h| Ok(r.one_row::<CountRow>(h)?.n.max(0) as u64))
            .collect()
    })
}

/// Whether the org has no user, email, group or membership on this shard (counts at zero,
/// a log kept from before a deletion, do not count).
pub fn is_empty(org: &str) -> Plan<bool> {
    counts(org).map(|counts| {
        TABLES
            .iter()
            .zip(counts)
            .all(|(table, n)| !table.directory || n == 0)
    })
}

#[derive(Deserialize)]
struct Left {
    remaining: i64,
}

/// One round of removing every row of the org on this shard, all tables (directory, counts,
/// log, delivery state), a chunk each; decodes whether rows are left. Under a move lock the
/// caller wraps it so the triggers let the deletes through (`org_lock`).
pub fn purge_statements(org: &str, chunk: usize) -> Vec<Statement> {
    TABLES.iter().map(|t| t.delete_chunk(org, chunk)).collect()
}

/// One row, column `remaining`: 1 while any row of the org is left in any table.
pub fn any_left(org: &str) -> Statement {
    let exists: Vec<String> = TABLES
        .iter()
        .map(|t| format!("EXISTS (SELECT 1 FROM {} WHERE org = ?1)", t.name))
        .collect();
    Statement::new(
        format!("SELECT ({}) AS remaining", exists.join(" OR ")),
        vec![org.into()],
    )
}

/// `purge_statements` and `any_left` as one batch.
pub fn purge_round(org: &str, chunk: usize) -> Plan<bool> {
    let mut b = PlanBuilder::new();
    b.extend(purge_statements(org, chunk));
    let left = b.push(any_left(org));
    b.finish(move |r| Ok(r.one_row::<Left>(left)?.remaining != 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{run_plan, SqliteDb};

    #[test]
    fn column_lists_match_schema_sql() {
        let db = SqliteDb::new();
        for table in TABLES {
            let columns: Vec<String> = db
                .query(
                    &format!("SELECT name FROM pragma_table_info('{}')", table.name),
                    vec![],
                )
                .into_iter()
                .map(|row| row["name"].as_str().unwrap().to_owned())
                .filter(|name| name != "org")
                .collect();
            assert_eq!(columns, table.columns, "{}", table.name);
            let key: Vec<String> = db
                .query(
                    &format!(
                        "SELECT name FROM pragma_table_info('{}') WHERE pk > 1 ORDER BY pk",
                        table.name
                    ),
                    vec![],
                )
                .into_iter()
                .map(|row| row["name"].as_str().unwrap().to_owned())
                .collect();
            if !table.rowid {
                assert_eq!(key, table.key, "{}", table.name);
            }
        }
    }

    #[test]
    fn rows_copy_page_by_page_to_another_org() {
        let db = SqliteDb::new();
        for i in 0..25 {
            db.query(
                "INSERT INTO user_emails (org, user_id, value_ci) VALUES ('a', ?1, ?2)",
                vec![format!("u{:02}", i / 2).into(), format!("{i}@x").into()],
            );
        }
        let table = spec("user_emails").unwrap();
        let mut after: Option<Row> = None;
        let mut copied = 0;
        loop {
            let page = run_plan(&db, table.page("a", after.as_ref(), 10).unwrap());
            if page.is_empty() {
                break;
            }
            for statement in table.insert("b", &page).unwrap() {
                assert!(statement.params.len() <= MAX_BOUND_PARAMETERS);
                db.query(&statement.sql, statement.params);
            }
            copied += page.len();
            after = page.last().cloned();
        }
        assert_eq!(copied, 25);
        assert_eq!(run_plan(&db, counts("b"))[1], 25);
        assert!(!run_plan(&db, is_empty("b")));
        assert!(run_plan(&db, is_empty("c")));
        let mut bad = Row::new();
        bad.insert("user_id; DROP".into(), Value::from("x"));
        assert!(table.insert("b", &[bad]).is_err());
    }
}
