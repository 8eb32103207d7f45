//! The console's store plans (`org_registry`, `console_sessions`, `setup_links`,
//! `console_directory`): their decoders fed rows as D1 sends them (every number a float such
//! as `3.0`, no `meta`), and the plans run on SQLite with `schema.sql` in D1's shape.

use super::console_directory::{self, GroupSummary, MemberSummary, UserSummary};
use super::console_sessions;
use super::keyset_page::KeysetPage;
use super::org_registry::{self, Backfilled, OrgActivity, TokenSummary};
use super::plan::{DecodeError, Plan};
use super::setup_links::{self, LinkState, LinkSummary, NewLink};
use crate::core::db::{Row, StatementResult};
use crate::core::testing::{run_plan, SqliteDb};
use serde_json::{json, Value};

/// Decodes `plan` from one result per statement, each a list of rows, with no `meta` (as D1
/// answers at its leanest).
fn decode<T: 'static>(plan: Plan<T>, results: Vec<Vec<Value>>) -> Result<T, DecodeError> {
    assert_eq!(
        plan.statements().len(),
        results.len(),
        "one result a statement"
    );
    let (_, decoder) = plan.into_parts();
    decoder.decode(
        results
            .into_iter()
            .map(|rows| StatementResult {
                rows: rows
                    .into_iter()
                    .map(|r| r.as_object().cloned().expect("a row is an object"))
                    .collect::<Vec<Row>>(),
                changes: None,
            })
            .collect(),
    )
}

fn d1_db() -> SqliteDb {
    let db = SqliteDb::new();
    db.d1_shaped.set(true);
    db
}

#[test]
fn org_list_rows_decode_with_float_counts_and_a_missing_token() {
    let rows = vec![
        json!({"org": "acme", "created": "2026-01-01T00:00:00.000Z", "token_created": null,
               "token_last4": null, "users": 3.0, "groups": 0.0,
               "user_activity": "2026-02-01T00:00:00.000Z", "group_activity": null}),
        json!({"org": "globex", "created": "2026-01-02T00:00:00.000Z",
               "token_created": "2026-01-03T00:00:00.000Z", "token_last4": "wxyz",
               "users": 0.0, "groups": 2.0, "user_activity": "2026-02-01T00:00:00.000Z",
               "group_activity": "2026-03-01T00:00:00.000Z"}),
    ];
    let page = decode(org_registry::list("", ""), vec![rows]).unwrap();
    assert_eq!(page.next, None);
    let [acme, globex] = &page.items[..] else {
        panic!("two orgs: {page:?}")
    };
    assert_eq!(acme.token, None);
    assert_eq!(
        acme.activity,
        OrgActivity {
            users: 3,
            groups: 0,
            last_activity: Some("2026-02-01T00:00:00.000Z".into())
        }
    );
    assert_eq!(
        globex.token,
        Some(TokenSummary {
            created: "2026-01-03T00:00:00.000Z".into(),
            last4: Some("wxyz".into())
        })
    );
    assert_eq!(
        globex.activity.last_activity.as_deref(),
        Some("2026-03-01T00:00:00.000Z"),
        "the later of the users' and groups' changes"
    );
    // A count that is not a whole number is not a count: a store defect, not a guess.
    let bad = json!({"org": "x", "created": "c", "token_created": null, "token_last4": null,
                     "users": 1.5, "groups": 0.0, "user_activity": null, "group_activity": null});
    assert!(decode(org_registry::list("", ""), vec![vec![bad]]).is_err());
}

#[test]
fn an_org_page_reads_one_row_more_to_name_the_next_key() {
    let rows: Vec<Value> = (0..=org_registry::PAGE_SIZE)
        .map(|i| {
            json!({"org": format!("org{i:03}"), "created": "c", "token_created": null,
                   "token_last4": null, "users": 0.0, "groups": 0.0,
                   "user_activity": null, "group_activity": null})
        })
        .collect();
    let page = decode(org_registry::list("", ""), vec![rows]).unwrap();
    assert_eq!(page.items.len(), org_registry::PAGE_SIZE);
    assert_eq!(page.next.as_deref(), Some("org049"));
}

#[test]
fn presence_checks_decode_from_float_rows_and_from_no_row() {
    assert!(decode(
        org_registry::exists("acme"),
        vec![vec![json!({"found": 1.0})]]
    )
    .unwrap());
    assert!(!decode(org_registry::exists("acme"), vec![vec![]]).unwrap());
    let open = || console_sessions::is_open("hash", "tag", 1_000);
    let row = json!({"expires_ms": 1_795_873_500_000.0});
    assert!(decode(open(), vec![vec![row]]).unwrap());
    assert!(!decode(open(), vec![vec![]]).unwrap());
    let revoke = || setup_links::revoke("acme", "0123456789abcdef");
    assert!(decode(
        revoke(),
        vec![vec![json!({"link_hash": "0123456789abcdef00"})]]
    )
    .unwrap());
    assert!(!decode(revoke(), vec![vec![]]).unwrap());
    let insert = || setup_links::insert("acme", "hash", 1, 2);
    assert_eq!(
        decode(insert(), vec![vec![json!({"org": "acme"})]]).unwrap(),
        NewLink::Stored
    );
    assert_eq!(
        decode(insert(), vec![vec![]]).unwrap(),
        NewLink::OrgNotRegistered
    );
}

#[test]
fn known_orgs_come_from_every_chunk() {
    let names: Vec<String> = (0..150).map(|i| format!("o{i}")).collect();
    let plan = org_registry::known(&names);
    assert_eq!(plan.statements().len(), 2, "100 names a statement");
    let known = decode(
        plan,
        vec![vec![json!({"org": "o1"})], vec![json!({"org": "o120"})]],
    )
    .unwrap();
    assert_eq!(known, ["o1", "o120"]);
}

#[test]
fn link_state_tells_expired_revoked_and_unknown_apart() {
    let state = |expires: f64, revoked: f64| {
        let row = json!({"org": "acme", "expires_ms": expires, "revoked": revoked});
        decode(setup_links::lookup("hash", 1000), vec![vec![row]]).unwrap()
    };
    assert_eq!(
        state(2000.0, 0.0),
        LinkState::Valid {
            org: "acme".into(),
            expires_ms: 2000
        }
    );
    assert_eq!(state(1000.0, 0.0), LinkState::Expired);
    assert_eq!(state(2000.0, 1.0), LinkState::Revoked);
    assert_eq!(state(500.0, 1.0), LinkState::Revoked, "revoked wins");
    assert_eq!(
        decode(setup_links::lookup("hash", 1000), vec![vec![]]).unwrap(),
        LinkState::Unknown
    );
    let no_org = json!({"expires_ms": 2000.0, "revoked": 0.0});
    assert!(decode(setup_links::lookup("hash", 1000), vec![vec![no_org]]).is_err());
}

#[test]
fn listed_links_decode_float_times_and_revoked_flags() {
    let rows = vec![
        json!({"link_hash": "ab", "created_ms": 1_000.0, "expires_ms": 3_600_000.0, "revoked": 1.0}),
        json!({"link_hash": "cd", "created_ms": 500.0, "expires_ms": 7_200_000.0, "revoked": 0.0}),
    ];
    let links = decode(setup_links::list("acme", 0), vec![rows]).unwrap();
    assert_eq!(
        links,
        [
            LinkSummary {
                link_hash: "ab".into(),
                created_ms: 1_000,
                expires_ms: 3_600_000,
                revoked: true
            },
            LinkSummary {
                link_hash: "cd".into(),
                created_ms: 500,
                expires_ms: 7_200_000,
                revoked: false
            },
        ]
    );
}

#[test]
fn directory_rows_decode_into_summaries() {
    let users = vec![
        json!({"id": "u1", "user_name": "Ann", "user_name_ci": "ann", "display_name": null,
               "active": 0.0,
               "data": r#"{"emails":[{"value":"a@x"},{"value":"b@x","primary":true}]}"#}),
        json!({"id": "u2", "user_name": "bob", "user_name_ci": "bob", "display_name": "Bob",
               "active": 1.0, "data": "not json"}),
    ];
    let page = decode(console_directory::users("acme", "", ""), vec![users]).unwrap();
    assert_eq!(
        page,
        KeysetPage {
            items: vec![
                UserSummary {
                    id: "u1".into(),
                    user_name: "Ann".into(),
                    display_name: None,
                    email: Some("b@x".into()),
                    active: false
                },
                UserSummary {
                    id: "u2".into(),
                    user_name: "bob".into(),
                    display_name: Some("Bob".into()),
                    email: None,
                    active: true
                },
            ],
            next: None
        }
    );
    let group = json!({"id": "g1", "display_name": "Everyone", "display_name_ci": "everyone"});
    let members = vec![
        json!({"member_id": "u1", "member_type": "User", "user_name": "ann",
               "user_display": "Ann", "group_display": null}),
        json!({"member_id": "g2", "member_type": "Group", "user_name": null,
               "user_display": null, "group_display": "Admins"}),
    ];
    let found = decode(
        console_directory::members("acme", "g1", ""),
        vec![vec![group], members],
    )
    .unwrap()
    .expect("the group exists");
    assert_eq!(
        found.group,
        GroupSummary {
            id: "g1".into(),
            display_name: "Everyone".into()
        }
    );
    assert_eq!(
        found.members.items[1],
        MemberSummary {
            id: "g2".into(),
            member_type: "Group".into(),
            display: Some("Admins".into()),
            display_name: None
        }
    );
    assert_eq!(found.members.items[0].display.as_deref(), Some("ann"));
    let unknown = decode(
        console_directory::members("acme", "nope", ""),
        vec![vec![], vec![]],
    );
    assert_eq!(unknown.unwrap(), None);
}

#[test]
fn directory_pages_continue_after_the_last_kept_key() {
    let rows: Vec<Value> = (0..=console_directory::PAGE_SIZE)
        .map(|i| {
            json!({"id": format!("g{i}"), "display_name": format!("G{i:03}"),
                         "display_name_ci": format!("g{i:03}")})
        })
        .collect();
    let page = decode(console_directory::groups("acme", "", ""), vec![rows]).unwrap();
    assert_eq!(page.items.len(), console_directory::PAGE_SIZE);
    assert_eq!(page.next.as_deref(), Some("g049"));
}

#[test]
fn sessions_open_only_for_their_secret_until_they_expire_or_close() {
    let db = d1_db();
    run_plan(&db, console_sessions::open("h1", "tag", 1_000, 5_000));
    assert!(run_plan(&db, console_sessions::is_open("h1", "tag", 4_999)));
    assert!(!run_plan(
        &db,
        console_sessions::is_open("h1", "other", 4_999)
    ));
    assert!(!run_plan(
        &db,
        console_sessions::is_open("h1", "tag", 5_000)
    ));
    // Opening another session sweeps the expired ones.
    run_plan(&db, console_sessions::open("h2", "tag", 6_000, 9_000));
    assert!(db
        .query(
            "SELECT 1 FROM console_sessions WHERE id_hash = 'h1'",
            vec![]
        )
        .is_empty());
    run_plan(&db, console_sessions::close("h2"));
    assert!(!run_plan(
        &db,
        console_sessions::is_open("h2", "tag", 6_000)
    ));
}

#[test]
fn registry_and_links_run_on_sqlite_in_d1s_shape() {
    let db = d1_db();
    let now = "2026-01-01T00:00:00.000Z";
    assert_eq!(
        run_plan(&db, setup_links::insert("acme", "hash-a", 1_000, 9_000)),
        NewLink::OrgNotRegistered
    );
    run_plan(&db, org_registry::upsert_token("acme", now, now, "abcd"));
    assert!(run_plan(&db, org_registry::exists("acme")));
    assert_eq!(
        run_plan(&db, setup_links::insert("acme", "hash-a", 1_000, 9_000)),
        NewLink::Stored
    );
    assert_eq!(
        run_plan(&db, setup_links::lookup("hash-a", 2_000)),
        LinkState::Valid {
            org: "acme".into(),
            expires_ms: 9_000
        }
    );
    let listed = run_plan(&db, setup_links::list("acme", 2_000));
    assert_eq!((listed.len(), listed[0].revoked), (1, false));
    assert!(run_plan(&db, setup_links::revoke("acme", "hash-a")));
    assert!(!run_plan(&db, setup_links::revoke("globex", "hash-a")));
    assert_eq!(
        run_plan(&db, setup_links::lookup("hash-a", 2_000)),
        LinkState::Revoked
    );

    let backfilled = [Backfilled {
        org: "b1".into(),
        token: Some(("2025-12-01T00:00:00.000Z".into(), "wxyz".into())),
        shard: Some("s2".into()),
    }];
    run_plan(&db, org_registry::insert_backfilled(&backfilled, now));
    let known = run_plan(&db, org_registry::known(&["b1".into(), "zz".into()]));
    assert_eq!(known, ["b1"]);
    run_plan(&db, org_registry::clear_token("acme"));
    let page = run_plan(&db, org_registry::list("", ""));
    let names: Vec<(&str, Option<&str>)> = page
        .items
        .iter()
        .map(|o| (o.org.as_str(), o.token.as_ref().map(|t| t.created.as_str())))
        .collect();
    assert_eq!(
        names,
        [("acme", None), ("b1", Some("2025-12-01T00:00:00.000Z"))]
    );
    // The backfill records the shard the KV record names (docs/scaling.md).
    assert_eq!(page.items[1].shard.as_deref(), Some("s2"));
    // Org deletion: the registry row and its links in one batch.
    run_plan(
        &db,
        org_registry::delete("acme").join(setup_links::delete_for_org("acme")),
    );
    assert!(!run_plan(&db, org_registry::exists("acme")));
    assert_eq!(
        run_plan(&db, setup_links::lookup("hash-a", 2_000)),
        LinkState::Unknown
    );
}
