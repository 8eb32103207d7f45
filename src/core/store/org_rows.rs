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

/// One org-owned table: its name, its primary key after `org`, and every column but `org`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSpec {
    pub name: &'static str,
    pub key: &'static [&'static str],
    pub columns: &'static [&'static str],
    /// Derived rows (`org_counts`) that a purge leaves at zero: an insert replaces them.
    pub derived: bool,
}

/// Every table an org owns, in copy order: resources before the rows that refer to them.
pub const TABLES: [TableSpec; 5] = [
    TableSpec {
        name: "users",
        key: &["id"],
        columns: &[
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
        derived: false,
    },
    TableSpec {
        name: "user_emails",
        key: &["user_id", "value_ci"],
        columns: &["user_id", "value_ci"],
        derived: false,
    },
    TableSpec {
        name: "groups",
        key: &["id"],
        columns: &[
            "id",
            "display_name",
            "display_name_ci",
            "external_id",
            "data",
            "created",
            "last_modified",
            "version",
        ],
        derived: false,
    },
    TableSpec {
        name: "group_members",
        key: &["group_id", "member_id"],
        columns: &["group_id", "member_id", "member_type", "display"],
        derived: false,
    },
    TableSpec {
        name: "org_counts",
        key: &["resource"],
        columns: &["resource", "total"],
        derived: true,
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
                    if self.derived { "OR REPLACE " } else { "" },
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

/// Whether the org has no user, email, group or membership on this shard (derived counts
/// at zero do not count).
pub fn is_empty(org: &str) -> Plan<bool> {
    counts(org).map(|counts| {
        TABLES
            .iter()
            .zip(counts)
            .all(|(table, n)| table.derived || n == 0)
    })
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
            assert_eq!(key, table.key, "{}", table.name);
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
