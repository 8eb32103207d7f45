//! The log on SQLite with the real schema: numbering, guards, member events, retention, and
//! gapless numbering under concurrent writers.

use super::*;
use crate::core::db::Database;
use crate::core::events::model::{EventType, NewEvent, Source};
use crate::core::store::member_events::{all_members_removed, members_added, members_removed};
use crate::core::testing::{block_on, run, SqliteDb, SCHEMA_SQL};
use serde_json::json;

fn event(kind: EventType) -> NewEvent {
    NewEvent {
        kind,
        occurred_at: "2026-11-28T13:45:00.000Z".into(),
        resource: None,
        data: json!({}),
        previous: None,
        source: Source::Admin,
    }
}

fn seqs(db: &SqliteDb, org: &str) -> Vec<(i64, String)> {
    db.query(
        "SELECT seq, type FROM events WHERE org = ?1 ORDER BY seq",
        vec![org.into()],
    )
    .iter()
    .map(|r| {
        (
            r["seq"].as_i64().unwrap(),
            r["type"].as_str().unwrap().to_owned(),
        )
    })
    .collect()
}

/// Membership rows for the ids that exist (what the group write does after the events).
fn add_members_sql(group: &str, ids: &[&str]) -> Statement {
    Statement::new(
        "INSERT OR IGNORE INTO group_members (org, group_id, member_id, member_type) \
         SELECT 'acme', ?1, j.value, 'User' FROM json_each(?2) j \
         WHERE EXISTS (SELECT 1 FROM users WHERE org = 'acme' AND id = j.value)",
        vec![group.into(), Value::from(ids.to_vec()).to_string().into()],
    )
}

fn seed_user(db: &SqliteDb, org: &str, id: &str, name: &str, version: i64) {
    db.query(
        "INSERT INTO users (org, id, user_name, user_name_ci, display_name, data, created, last_modified, version) \
         VALUES (?1, ?2, ?3, ?3, ?3, '{}', 't', 't', ?4)",
        vec![org.into(), id.into(), name.into(), version.into()],
    );
}

fn seed_group(db: &SqliteDb, org: &str, id: &str, name: &str, version: i64) {
    db.query(
        "INSERT INTO groups (org, id, display_name, display_name_ci, data, created, last_modified, version) \
         VALUES (?1, ?2, ?3, lower(?3), '{}', 't', 't', ?4)",
        vec![org.into(), id.into(), name.into(), version.into()],
    );
}

#[test]
fn numbering_is_per_org_and_starts_at_one() {
    let db = SqliteDb::new();
    for org in ["acme", "acme", "other", "acme"] {
        block_on(db.batch(vec![append(
            org,
            &event(EventType::OrgTokenCreated),
            Guard::Always,
        )]))
        .unwrap();
    }
    let acme: Vec<i64> = seqs(&db, "acme").into_iter().map(|(s, _)| s).collect();
    assert_eq!(acme, vec![1, 2, 3]);
    assert_eq!(seqs(&db, "other").len(), 1);
    let ids = db.query("SELECT id FROM events", vec![]);
    assert!(ids
        .iter()
        .all(|r| r["id"].as_str().unwrap().starts_with("evt_")
            && r["id"].as_str().unwrap().len() == 36));
}

#[test]
fn a_guarded_event_needs_the_write_to_have_applied() {
    let db = SqliteDb::new();
    seed_user(&db, "acme", "u1", "alice", 7);
    let written = |version| Guard::Applied {
        table: "users",
        id: "u1",
        version,
    };
    let results = block_on(db.batch(vec![
        append("acme", &event(EventType::UserUpdated), written(8)),
        append("acme", &event(EventType::UserUpdated), written(7)),
    ]))
    .unwrap();
    assert_eq!(results[0].changes, Some(0));
    assert_eq!(results[1].changes, Some(1));
    assert_eq!(seqs(&db, "acme"), vec![(1, "user.updated".into())]);
}

#[test]
fn member_events_cover_exactly_the_changed_memberships_in_order() {
    let db = SqliteDb::new();
    seed_group(&db, "acme", "g", "Staff", 5);
    seed_user(&db, "acme", "a", "alice", 1);
    seed_user(&db, "acme", "b", "bob", 1);
    seed_user(&db, "acme", "c", "carol", 1);
    db.query(
        "INSERT INTO group_members (org, group_id, member_id, member_type) VALUES ('acme', 'g', 'a', 'User')",
        vec![],
    );
    // `a` is a member already, `zz` does not exist, `c` is listed twice.
    let ids = ["c", "a", "zz", "b", "c"];
    let listed: Vec<(&str, Option<&str>)> = ids.iter().map(|id| (*id, None)).collect();
    let mut batch = members_added("acme", "g", 5, &listed, "t1");
    batch.push(add_members_sql("g", &ids));
    block_on(db.batch(batch)).unwrap();
    let events = db.query(
        "SELECT seq, type, data FROM events WHERE org = 'acme' ORDER BY seq",
        vec![],
    );
    let members: Vec<(i64, String)> = events
        .iter()
        .map(|r| {
            let data: Value = serde_json::from_str(r["data"].as_str().unwrap()).unwrap();
            assert_eq!(data["group"], json!({"id": "g", "displayName": "Staff"}));
            assert_eq!(data["member"]["type"], "User");
            (
                r["seq"].as_i64().unwrap(),
                data["member"]["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(members, vec![(1, "c".into()), (2, "b".into())]);

    // Adding them again changes nothing and appends nothing.
    block_on(db.batch(members_added("acme", "g", 5, &listed, "t2"))).unwrap();
    assert_eq!(seqs(&db, "acme").len(), 2);

    // Replacing the list with [b, c]: only `a` leaves.
    let keep = ["b", "c"];
    block_on(db.batch(vec![
        all_members_removed("acme", "g", 5, &keep, "t3"),
        Statement::new(
            "DELETE FROM group_members WHERE org = 'acme' AND group_id = 'g'",
            vec![],
        ),
    ]))
    .unwrap();
    let last = db.query(
        "SELECT seq, type, json_extract(data, '$.member.value') AS v, \
         json_extract(data, '$.member.display') AS d FROM events WHERE seq = 3",
        vec![],
    );
    assert_eq!(last[0]["type"], "group.member_removed");
    assert_eq!(last[0]["v"], "a");
    assert_eq!(last[0]["d"], "alice");

    // A stale version (another writer's) appends nothing.
    block_on(db.batch(members_removed("acme", "g", 4, &["b"], "t4"))).unwrap();
    assert_eq!(seqs(&db, "acme").len(), 3);
}

#[test]
fn deleting_a_user_records_each_group_it_leaves_then_the_deletion() {
    let db = SqliteDb::new();
    seed_user(&db, "acme", "u", "alice", 3);
    seed_group(&db, "acme", "g1", "Beta", 1);
    seed_group(&db, "acme", "g2", "Alpha", 1);
    for g in ["g1", "g2"] {
        db.query(
            "INSERT INTO group_members (org, group_id, member_id, member_type) VALUES ('acme', ?1, 'u', 'User')",
            vec![g.into()],
        );
    }
    // A row without the delete's stamp (If-Match refused it) appends nothing.
    block_on(db.batch(deleted(
        "acme",
        ResourceType::User,
        "u",
        2,
        "t",
        Source::Scim,
    )))
    .unwrap();
    assert!(seqs(&db, "acme").is_empty());
    block_on(db.batch(deleted(
        "acme",
        ResourceType::User,
        "u",
        3,
        "t",
        Source::Scim,
    )))
    .unwrap();
    let rows = db.query(
        "SELECT seq, type, json_extract(data, '$.group.displayName') AS g, \
         json_extract(resource, '$.userName') AS u, json_extract(data, '$.id') AS id \
         FROM events ORDER BY seq",
        vec![],
    );
    let got: Vec<(String, Value)> = rows
        .iter()
        .map(|r| (r["type"].as_str().unwrap().to_owned(), r["g"].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("group.member_removed".into(), json!("Alpha")),
            ("group.member_removed".into(), json!("Beta")),
            ("user.deleted".into(), Value::Null),
        ]
    );
    assert_eq!(rows[2]["u"], "alice");
    assert_eq!(rows[2]["id"], "u");
}

#[test]
fn numbering_continues_after_retention_empties_the_log() {
    let db = SqliteDb::new();
    for _ in 0..5 {
        block_on(db.batch(vec![append(
            "acme",
            &event(EventType::OrgTokenCreated),
            Guard::Always,
        )]))
        .unwrap();
    }
    // Chunks of 2: three rounds remove all five.
    for _ in 0..3 {
        block_on(db.batch(prune_chunk("2026-11-29T00:00:00.000Z", 2))).unwrap();
    }
    assert!(seqs(&db, "acme").is_empty());
    let (_, bounds) = crate::core::testing::run_plan(&db, page("acme", 0, 1, &[]));
    assert_eq!(
        bounds,
        Bounds {
            oldest: 6,
            latest: 5
        }
    );
    block_on(db.batch(vec![append(
        "acme",
        &event(EventType::OrgDeleted),
        Guard::Always,
    )]))
    .unwrap();
    assert_eq!(seqs(&db, "acme"), vec![(6, "org.deleted".into())]);
}

#[test]
fn retention_removes_only_old_events_a_chunk_at_a_time() {
    let db = SqliteDb::new();
    for (i, at) in ["2026-01-01", "2026-01-02", "2026-06-01"]
        .iter()
        .enumerate()
    {
        let mut e = event(EventType::OrgTokenCreated);
        e.occurred_at = format!("{at}T00:00:00.000Z");
        block_on(db.batch(vec![append("acme", &e, Guard::Always)])).unwrap();
        assert_eq!(seqs(&db, "acme").len(), i + 1);
    }
    let results = block_on(db.batch(prune_chunk("2026-03-01T00:00:00.000Z", 1))).unwrap();
    assert_eq!(results[1].changes, Some(1));
    let results = block_on(db.batch(prune_chunk("2026-03-01T00:00:00.000Z", 1))).unwrap();
    assert_eq!(results[1].changes, Some(1));
    let results = block_on(db.batch(prune_chunk("2026-03-01T00:00:00.000Z", 1))).unwrap();
    assert_eq!(results[1].changes, Some(0));
    assert_eq!(seqs(&db, "acme"), vec![(3, "org.token_created".into())]);
}

#[test]
fn pages_read_in_order_with_a_type_filter() {
    let db = SqliteDb::new();
    for kind in [
        EventType::OrgTokenCreated,
        EventType::OrgTokenRevoked,
        EventType::OrgTokenCreated,
    ] {
        block_on(db.batch(vec![append("acme", &event(kind), Guard::Always)])).unwrap();
    }
    let page = block_on(db.batch(vec![select_page(
        "acme",
        0,
        10,
        &[EventType::OrgTokenCreated],
    )]))
    .unwrap();
    let got: Vec<i64> = page[0]
        .rows
        .iter()
        .map(|r| decode_event("acme", r.clone()).unwrap().seq)
        .collect();
    assert_eq!(got, vec![1, 3]);
    let page = block_on(db.batch(vec![select_page("acme", 1, 1, &[])])).unwrap();
    assert_eq!(
        decode_event("acme", page[0].rows[0].clone()).unwrap().kind,
        "org.token_revoked"
    );
}

#[test]
fn reading_a_page_uses_the_primary_key() {
    let db = SqliteDb::new();
    let statement = select_page("acme", 41, 100, &[EventType::UserDeactivated]);
    let plan = db.query(
        &format!("EXPLAIN QUERY PLAN {}", statement.sql),
        statement.params.clone(),
    );
    let text: Vec<String> = plan
        .iter()
        .map(|r| r["detail"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(
        text.iter()
            .any(|d| d.contains("USING PRIMARY KEY (org=? AND seq>?)")),
        "{text:?}"
    );
    assert!(
        !text.iter().any(|d| d.starts_with("SCAN events")),
        "{text:?}"
    );
}

/// 32 writers race on one user, each read-modify-write as the service does it (update
/// conditional on the version read, event guarded on the new version), with SQLite
/// serialising the batches as D1 does. Every successful write has exactly one event, and the
/// numbers are 1..=n with no gap and no duplicate.
#[test]
fn concurrent_writers_leave_a_gapless_sequence() {
    let dir = std::env::temp_dir().join(format!(
        "scim-events-{}-{}",
        std::process::id(),
        crate::core::store::new_version().unwrap()
    ));
    let path = dir.with_extension("sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA_SQL).unwrap();
        conn.execute_batch(
            "INSERT INTO users (org, id, user_name, user_name_ci, data, created, last_modified, version) \
             VALUES ('acme', 'u', 'alice', 'alice', '{}', 't', 't', 1)",
        )
        .unwrap();
    }
    let writers: Vec<_> = (0..32)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut conn = rusqlite::Connection::open(&path).unwrap();
                conn.busy_timeout(std::time::Duration::from_secs(30))
                    .unwrap();
                let mut applied = 0;
                for i in 0..8 {
                    let read = conn
                        .query_row(
                            "SELECT version FROM users WHERE org = 'acme' AND id = 'u'",
                            [],
                            |r| r.get::<_, i64>(0),
                        )
                        .unwrap();
                    let new = crate::core::store::new_version().unwrap();
                    let mut e = event(EventType::UserUpdated);
                    e.data = json!({"writer": w, "write": i});
                    let batch = [
                        Statement::new(
                            "UPDATE users SET version = ?1 WHERE org = 'acme' AND id = 'u' AND version = ?2",
                            vec![new.into(), read.into()],
                        ),
                        append(
                            "acme",
                            &e,
                            Guard::Applied {
                                table: "users",
                                id: "u",
                                version: new,
                            },
                        ),
                    ];
                    let tx = conn
                        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                        .unwrap();
                    let results: Vec<_> = batch.iter().map(|s| run(&tx, s).unwrap()).collect();
                    tx.commit().unwrap();
                    assert_eq!(results[0].changes, results[1].changes);
                    applied += results[0].changes.unwrap_or(0);
                }
                applied
            })
        })
        .collect();
    let applied: u64 = writers.into_iter().map(|w| w.join().unwrap()).sum();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut statement = conn
        .prepare("SELECT seq FROM events WHERE org = 'acme' ORDER BY seq")
        .unwrap();
    let numbers: Vec<i64> = statement
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    drop(statement);
    drop(conn);
    let _ = std::fs::remove_file(&path);
    assert!(applied > 0);
    assert_eq!(numbers, (1..=applied as i64).collect::<Vec<_>>());
}
