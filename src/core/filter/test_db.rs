//! Test support: `schema.sql` on bundled SQLite, seeding helpers in the stored-document
//! convention, and runners for generated statements.

use rusqlite::types::Value as SqliteValue;
use rusqlite::Connection;
use serde_json::Value;

use crate::core::db::SqlValue;

pub(crate) fn open() -> Connection {
    let conn = Connection::open_in_memory().expect("open sqlite");
    conn.execute_batch(include_str!("../../../schema.sql"))
        .expect("schema.sql applies");
    conn
}

pub(crate) fn to_sqlite(params: &[SqlValue]) -> Vec<SqliteValue> {
    params
        .iter()
        .map(|p| match p {
            SqlValue::Null => SqliteValue::Null,
            SqlValue::Integer(i) => SqliteValue::Integer(*i),
            SqlValue::Real(f) => SqliteValue::Real(*f),
            SqlValue::Text(s) => SqliteValue::Text(s.clone()),
        })
        .collect()
}

/// Inserts a user with document `data` (canonical names), filling the indexed columns and the
/// `user_emails` rows from it as the resource layer does.
pub(crate) fn insert_user(conn: &Connection, org: &str, id: &str, created: &str, data: &Value) {
    let s = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
    let user_name = s("userName").expect("userName");
    let display = s("displayName");
    let active = data.get("active").and_then(Value::as_bool).unwrap_or(true);
    conn.execute(
        "INSERT INTO users (org, id, user_name, user_name_ci, external_id, display_name, \
         display_name_ci, active, data, created, last_modified, version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, 1)",
        rusqlite::params![
            org,
            id,
            user_name,
            user_name.to_lowercase(),
            s("externalId"),
            display,
            display.as_ref().map(|d| d.to_lowercase()),
            active,
            data.to_string(),
            created,
        ],
    )
    .expect("insert user");
    if let Some(emails) = data.get("emails").and_then(Value::as_array) {
        for e in emails {
            if let Some(v) = e.get("value").and_then(Value::as_str) {
                conn.execute(
                    "INSERT OR IGNORE INTO user_emails (org, user_id, value_ci) VALUES (?1, ?2, ?3)",
                    rusqlite::params![org, id, v.to_lowercase()],
                )
                .expect("insert email");
            }
        }
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
