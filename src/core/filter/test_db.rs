//! Test support: `schema.sql` on bundled SQLite, seeding helpers in the stored-document
//! convention, and runners for generated statements.

use rusqlite::types::Value as SqliteValue;
use rusqlite::Connection;
use serde_json::Value;

use crate::core::db::SqlValue;
use crate::core::store::{users, WriteStamp};
use crate::core::testing;

pub(crate) fn open() -> Connection {
    testing::open_connection()
}

pub(crate) fn to_sqlite(params: &[SqlValue]) -> Vec<SqliteValue> {
    params.iter().map(testing::to_sql).collect()
}

/// Inserts a user with document `data` (canonical names) through the same statements the
/// service runs, so indexed columns and `user_emails` rows are filled as in production.
pub(crate) fn insert_user(conn: &Connection, org: &str, id: &str, created: &str, data: &Value) {
    let stamp = WriteStamp {
        now: created.to_owned(),
        version: 1,
    };
    let plan = users::create(org, id, data.clone(), &stamp).expect("user document");
    for statement in plan.statements() {
        testing::run(conn, statement).expect("insert user");
    }
}

pub(crate) fn insert_group(
    conn: &Connection,
    org: &str,
    id: &str,
    display: &str,
    members: &[(&str, &str)],
) {
    let data = serde_json::json!({ "displayName": display });
    conn.execute(
        "INSERT INTO groups (org, id, display_name, display_name_ci, external_id, data, created, \
         last_modified, version) VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?6, 1)",
        rusqlite::params![
            org,
            id,
            display,
            display.to_lowercase(),
            data.to_string(),
            "2024-01-01T00:00:00.000Z"
        ],
    )
    .expect("insert group");
    for (member, ty) in members {
        conn.execute(
            "INSERT INTO group_members (org, group_id, member_id, member_type) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![org, id, member, ty],
        )
        .expect("insert member");
    }
}

/// Runs `sql` with `params`, returning the first column of every row as text.
pub(crate) fn column_strings(conn: &Connection, sql: &str, params: &[SqlValue]) -> Vec<String> {
    let mut stmt = conn
        .prepare(sql)
        .unwrap_or_else(|e| panic!("prepare {sql}: {e}"));
    let rows = stmt
        .query_map(rusqlite::params_from_iter(to_sqlite(params)), |row| {
            row.get::<_, String>(0)
        })
        .unwrap_or_else(|e| panic!("query {sql}: {e}"));
    rows.map(|r| r.expect("row")).collect()
}

/// `EXPLAIN QUERY PLAN` details, one line per step.
pub(crate) fn query_plan(conn: &Connection, sql: &str, params: &[SqlValue]) -> String {
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap_or_else(|e| panic!("prepare {sql}: {e}"));
    let rows = stmt
        .query_map(rusqlite::params_from_iter(to_sqlite(params)), |row| {
            row.get::<_, String>(3)
        })
        .expect("plan");
    rows.map(|r| r.expect("row")).collect::<Vec<_>>().join("\n")
}

/// Runs a generated statement, returning rows as column name → JSON value (D1's shape).
pub(crate) fn rows(
    conn: &Connection,
    stmt: &crate::core::db::Statement,
) -> Vec<crate::core::db::Row> {
    testing::run(conn, stmt)
        .unwrap_or_else(|e| panic!("{}", e.message))
        .rows
}
