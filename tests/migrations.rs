//! The migrations in `migrations/` against the consolidated `schema.sql`, on bundled SQLite.
//!
//! `wrangler d1 migrations apply` runs every `NNNN_name.sql` file not yet recorded, in the order
//! of their numbers. These tests read the folder the same way (the numbers are checked to run
//! 0001, 0002, … so number and name order agree), so a migration added later (0003, 0004, …)
//! is covered without editing them:
//! - applying every migration to an empty database gives exactly `schema.sql` (tables, columns,
//!   keys, CHECK constraints, indexes, views, triggers; compared from `sqlite_master` and the
//!   `pragma` tables, not as text);
//! - a database of the first released schema, holding data, loses nothing when migrated, and the
//!   derived `org_counts` hold the real counts;
//! - a database set up before migrations existed (schema.sql executed by hand, counts drifted)
//!   migrates cleanly too.

use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// `d1_migrations` is wrangler's record of applied files; `_cf_*` are D1's own tables.
fn is_internal(name: &str) -> bool {
    name.starts_with("sqlite_") || name.starts_with("_cf_") || name == "d1_migrations"
}

struct Migration {
    number: u32,
    name: String,
    sql: String,
}

/// Every `NNNN_name.sql` in `migrations/`, in the order wrangler applies them (by file name).
fn migrations() -> Vec<Migration> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let number = name
                .get(..4)
                .filter(|_| name.as_bytes().get(4) == Some(&b'_') && name.ends_with(".sql"))
                .and_then(|digits| digits.parse::<u32>().ok())
                .unwrap_or_else(|| {
                    panic!("migrations/{name}: every file must be named NNNN_name.sql")
                });
            let sql = fs::read_to_string(&path).expect("migration file is UTF-8");
            Migration { number, name, sql }
        })
        .collect()
}

fn apply(conn: &Connection, migrations: &[Migration]) {
    for m in migrations {
        conn.execute_batch(&m.sql)
            .unwrap_or_else(|e| panic!("migrations/{} fails: {e}", m.name));
    }
}

fn schema_sql() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.sql"))
        .expect("schema.sql")
}

/// Text of a definition with case, whitespace and `IF NOT EXISTS` taken out, for comparing
/// clauses (CHECK, partial-index WHERE, views, triggers) whatever their layout.
fn squeeze(sql: &str) -> String {
    sql.to_lowercase()
        .replace("if not exists", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The `CHECK (…)` clauses of a CREATE TABLE statement, squeezed.
fn check_clauses(create_sql: &str) -> Vec<String> {
    let text = squeeze(create_sql);
    let mut clauses = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("check(") {
        let body = &rest[at + "check".len()..];
        let mut depth = 0;
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        clauses.push(format!("check{}", &body[..end]));
        rest = &body[end..];
    }
    clauses.sort();
    clauses
}

fn strings(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).expect(sql);
    let rows = stmt
        .query_map([], |row| {
            let n = row.as_ref().column_count();
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                cells.push(match row.get::<_, SqlValue>(i)? {
                    SqlValue::Null => "NULL".to_owned(),
                    SqlValue::Integer(v) => v.to_string(),
                    SqlValue::Real(v) => v.to_string(),
                    SqlValue::Text(v) => v,
                    SqlValue::Blob(v) => format!("{v:?}"),
                });
            }
            Ok(cells.join(" | "))
        })
        .expect(sql);
    rows.map(|r| r.expect(sql)).collect()
}

/// The schema as facts, one line each, keyed by object: what the database really holds, read
/// from `sqlite_master` and the table/index pragmas.
fn shape(conn: &Connection) -> BTreeMap<String, Vec<String>> {
    let mut shape = BTreeMap::new();
    let objects: Vec<(String, String, String, Option<String>)> = {
        let mut stmt = conn
            .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    for (kind, name, table, sql) in objects {
        if is_internal(&name) || is_internal(&table) {
            continue;
        }
        let sql = sql.unwrap_or_default();
        let mut facts = Vec::new();
        match kind.as_str() {
            "table" => {
                facts.extend(strings(
                    conn,
                    &format!(
                        "SELECT 'column', cid, name, upper(type), \"notnull\", dflt_value, pk, hidden \
                         FROM pragma_table_xinfo('{name}') ORDER BY cid"
                    ),
                ));
                let without_rowid = conn
                    .prepare(&format!("SELECT rowid FROM \"{name}\" LIMIT 0"))
                    .is_err();
                facts.push(format!("without rowid: {without_rowid}"));
                facts.extend(strings(
                    conn,
                    &format!(
                        "SELECT 'foreign key', id, seq, \"table\", \"from\", \"to\", on_update, on_delete \
                         FROM pragma_foreign_key_list('{name}') ORDER BY id, seq"
                    ),
                ));
                facts.extend(check_clauses(&sql));
            }
            "index" => {
                facts.push(format!("on table {table}"));
                facts.extend(strings(
                    conn,
                    &format!(
                        "SELECT 'flags', \"unique\", origin, partial FROM pragma_index_list('{table}') \
                         WHERE name = '{name}'"
                    ),
                ));
                facts.extend(strings(
                    conn,
                    &format!(
                        "SELECT 'key', seqno, name, \"desc\", coll FROM pragma_index_xinfo('{name}') \
                         WHERE key = 1 ORDER BY seqno"
                    ),
                ));
                let squeezed = squeeze(&sql);
                if let Some(at) = squeezed.find(")where") {
                    facts.push(format!("where {}", &squeezed[at + ")where".len()..]));
                }
            }
            // Views and triggers have no pragma of their own: compare their definitions.
            _ => facts.push(squeeze(&sql)),
        }
        shape.insert(format!("{kind} {name}"), facts);
    }
    shape
}

fn describe_difference(
    migrated: &BTreeMap<String, Vec<String>>,
    schema: &BTreeMap<String, Vec<String>>,
) -> String {
    let mut out = String::new();
    let keys: BTreeSet<&String> = migrated.keys().chain(schema.keys()).collect();
    for key in keys {
        match (migrated.get(key), schema.get(key)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(_), None) => {
                out.push_str(&format!("\n{key}: made by migrations, not in schema.sql"))
            }
            (None, Some(_)) => {
                out.push_str(&format!("\n{key}: in schema.sql, made by no migration"))
            }
            (Some(a), Some(b)) => {
                out.push_str(&format!("\n{key} differs:"));
                for line in a.iter().filter(|l| !b.contains(l)) {
                    out.push_str(&format!("\n  migrations: {line}"));
                }
                for line in b.iter().filter(|l| !a.contains(l)) {
                    out.push_str(&format!("\n  schema.sql: {line}"));
                }
                if a.iter().all(|l| b.contains(l)) && b.iter().all(|l| a.contains(l)) {
                    out.push_str("\n  (same facts in another order: column order differs)");
                }
            }
            (None, None) => unreachable!(),
        }
    }
    out
}

#[test]
fn migration_files_are_numbered_in_sequence_from_0001() {
    let all = migrations();
    assert!(!all.is_empty(), "migrations/ is empty");
    for (i, m) in all.iter().enumerate() {
        assert_eq!(
            m.number,
            i as u32 + 1,
            "migrations/{}: expected number {:04} (numbers run 0001, 0002, … without gaps or \
             repeats; two branches that took the same number must renumber one)",
            m.name,
            i + 1
        );
    }
    assert_eq!(all[0].name, "0001_initial.sql");
}

#[test]
fn all_migrations_on_an_empty_database_give_schema_sql() {
    let migrated = Connection::open_in_memory().unwrap();
    apply(&migrated, &migrations());
    let reference = Connection::open_in_memory().unwrap();
    reference.execute_batch(&schema_sql()).expect("schema.sql");

    let (migrated, reference) = (shape(&migrated), shape(&reference));
    assert!(
        reference.keys().any(|k| k == "table users"),
        "the shape reader found no users table: {reference:?}"
    );
    assert!(
        migrated == reference,
        "migrations/ and schema.sql disagree:{}",
        describe_difference(&migrated, &reference)
    );
}

#[test]
fn the_schema_comparison_notices_a_missing_index_and_a_changed_column() {
    let base = "CREATE TABLE t (org TEXT NOT NULL, n INTEGER CHECK (n > 0), PRIMARY KEY (org)) WITHOUT ROWID;";
    let shape_of = |sql: &str| {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(sql).unwrap();
        shape(&conn)
    };
    let reference = shape_of(&format!("{base} CREATE INDEX t_n ON t (org, n);"));
    assert_eq!(
        reference,
        shape_of(&format!(
            "{base}\nCREATE INDEX IF NOT EXISTS t_n ON t(org,n);"
        ))
    );
    assert_ne!(reference, shape_of(base));
    assert_ne!(
        reference,
        shape_of(&format!("{base} CREATE UNIQUE INDEX t_n ON t (org, n);"))
    );
    assert_ne!(
        reference,
        shape_of(&format!("{base} CREATE INDEX t_n ON t (n, org);"))
    );
    assert_ne!(
        reference,
        shape_of(
            "CREATE TABLE t (org TEXT NOT NULL, n INTEGER CHECK (n > 1), PRIMARY KEY (org)) WITHOUT ROWID; \
             CREATE INDEX t_n ON t (org, n);"
        )
    );
    assert_ne!(
        reference,
        shape_of("CREATE TABLE t (org TEXT NOT NULL, n INTEGER CHECK (n > 0), PRIMARY KEY (org)); CREATE INDEX t_n ON t (org, n);")
    );
    assert_ne!(
        reference,
        shape_of("CREATE TABLE t (org TEXT NOT NULL, n TEXT CHECK (n > 0), PRIMARY KEY (org)) WITHOUT ROWID; CREATE INDEX t_n ON t (org, n);")
    );
}

/// Rows as the first released schema stores them: three orgs, users with emails, groups with
/// user and group members.
const RELEASED_DATA: &str = r#"
INSERT INTO users VALUES
 ('acme', 'u1', 'Alice@example.com', 'alice@example.com', 'ext-1', 'Alice', 'alice', 1, '{"userName":"Alice@example.com","emails":[{"value":"alice@example.com","type":"work"}]}', '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', 11),
 ('acme', 'u2', 'bob@example.com', 'bob@example.com', NULL, NULL, NULL, 0, '{"userName":"bob@example.com","active":false}', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:01.000Z', 12),
 ('acme', 'u3', 'carol@example.com', 'carol@example.com', 'ext-3', 'Carol', 'carol', 1, '{"userName":"carol@example.com","emails":[{"value":"c@example.com"},{"value":"carol@example.com"}]}', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:02.000Z', 13),
 ('beta', 'u1', 'alice@example.com', 'alice@example.com', NULL, NULL, NULL, 1, '{"userName":"alice@example.com"}', '2026-02-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', 21);
INSERT INTO user_emails VALUES
 ('acme', 'u1', 'alice@example.com'), ('acme', 'u3', 'c@example.com'), ('acme', 'u3', 'carol@example.com');
INSERT INTO groups VALUES
 ('acme', 'g1', 'Engineering', 'engineering', 'ext-g1', '{"displayName":"Engineering"}', '2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z', 31),
 ('acme', 'g2', 'All staff', 'all staff', NULL, '{"displayName":"All staff"}', '2026-01-03T00:00:01.000Z', '2026-01-03T00:00:01.000Z', 32),
 ('gamma', 'g1', 'Only groups', 'only groups', NULL, '{"displayName":"Only groups"}', '2026-03-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', 41);
INSERT INTO group_members VALUES
 ('acme', 'g1', 'u1', 'User'), ('acme', 'g1', 'u3', 'User'), ('acme', 'g2', 'g1', 'Group'), ('acme', 'g2', 'u2', 'User');
"#;

/// Every row of every table, by the table's own columns, in primary-key order.
fn table_contents(conn: &Connection) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let tables = strings(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    );
    tables
        .into_iter()
        .filter(|t| !is_internal(t))
        .map(|table| {
            let columns = strings(
                conn,
                &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
            );
            (
                table.clone(),
                (columns.clone(), rows_of(conn, &table, &columns)),
            )
        })
        .collect()
}

fn rows_of(conn: &Connection, table: &str, columns: &[String]) -> Vec<String> {
    let list = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut rows = strings(conn, &format!("SELECT {list} FROM \"{table}\""));
    rows.sort();
    rows
}

fn counts_by_query(conn: &Connection) -> Vec<String> {
    strings(
        conn,
        "SELECT org, resource, total FROM org_counts ORDER BY org, resource",
    )
}

fn real_counts(conn: &Connection) -> Vec<String> {
    strings(
        conn,
        "SELECT org, resource, total FROM ( \
           SELECT org, 'User' AS resource, COUNT(*) AS total FROM users GROUP BY org \
           UNION ALL SELECT org, 'Group', COUNT(*) FROM groups GROUP BY org) \
         ORDER BY org, resource",
    )
}

/// Checks that every row of `before` is still there, under the columns it had.
fn assert_nothing_lost(conn: &Connection, before: &BTreeMap<String, (Vec<String>, Vec<String>)>) {
    for (table, (columns, rows)) in before {
        assert!(
            !rows.is_empty() || table == "org_counts",
            "no test data in {table}"
        );
        let after = rows_of(conn, table, columns);
        assert_eq!(&after, rows, "rows of {table} changed by the migrations");
    }
}

#[test]
fn upgrading_the_first_released_schema_keeps_every_row_and_fills_the_counts() {
    let all = migrations();
    let conn = Connection::open_in_memory().unwrap();
    apply(&conn, &all[..1]);
    conn.execute_batch(RELEASED_DATA).expect("data fits 0001");
    let before = table_contents(&conn);
    assert!(
        !before.contains_key("org_counts"),
        "0001 predates org_counts"
    );

    apply(&conn, &all[1..]);

    assert_nothing_lost(&conn, &before);
    assert_eq!(
        counts_by_query(&conn),
        vec![
            "acme | Group | 2",
            "acme | User | 3",
            "beta | User | 1",
            "gamma | Group | 1"
        ]
    );
    assert_eq!(counts_by_query(&conn), real_counts(&conn));
    // The upgraded database is the current schema, not just a superset of the old one.
    let reference = Connection::open_in_memory().unwrap();
    reference.execute_batch(&schema_sql()).unwrap();
    assert!(
        shape(&conn) == shape(&reference),
        "{}",
        describe_difference(&shape(&conn), &shape(&reference))
    );
}

#[test]
fn a_database_made_by_hand_before_migrations_existed_migrates_and_recounts() {
    // The old guide executed schema.sql directly: 0001's tables plus org_counts, no record in
    // d1_migrations, so wrangler applies every migration to it. Its counts have drifted.
    let all = migrations();
    let conn = Connection::open_in_memory().unwrap();
    apply(&conn, &all[..2]);
    conn.execute_batch(RELEASED_DATA).unwrap();
    conn.execute_batch(
        "DELETE FROM org_counts; \
         INSERT INTO org_counts VALUES ('acme', 'User', 7), ('zeta', 'Group', 4);",
    )
    .unwrap();
    let mut before = table_contents(&conn);
    before.remove("org_counts");

    apply(&conn, &all);

    assert_nothing_lost(&conn, &before);
    assert_eq!(counts_by_query(&conn), real_counts(&conn));
    assert_eq!(counts_by_query(&conn).len(), 4);
}
