//! Shards under `wrangler dev` with the three local D1 databases of wrangler.toml (main, s2,
//! eu1): placement and isolation, an online move under write traffic, and export → import of
//! 1,000 users and 100 groups answering byte-for-byte the same SCIM GETs.

use crate::helpers::{admin, send, Reply};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A fresh org of this test file (not one of the seeded e2e orgs) with a token placed by
/// `body`; returns (token, shard).
fn new_org(org: &str, body: &str) -> (String, String) {
    let reply = admin("POST", &format!("{org}/token"), Some(body));
    assert_eq!(reply.status, 201, "{}", reply.text);
    let json = reply.json();
    (
        json["token"].as_str().unwrap().to_owned(),
        json["shard"].as_str().unwrap().to_owned(),
    )
}

fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// A SCIM request; a 429 (the per-org rate limit, 600 requests per 10 s, which seeding 1,000
/// users exceeds) is retried after its Retry-After, as an IdP does.
fn scim(org: &str, token: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let url = format!("{}/scim/v2/{org}{path}", crate::helpers::base_url());
    let auth = format!("Bearer {token}");
    let text = body.map(Value::to_string);
    loop {
        let reply = send(
            method,
            &url,
            &[
                ("authorization", &auth),
                ("content-type", "application/scim+json"),
            ],
            text.as_deref(),
        );
        if reply.status != 429 {
            return reply;
        }
        let wait: u64 = reply
            .header("retry-after")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        std::thread::sleep(Duration::from_secs(wait.min(10)));
    }
}

/// Every page of a list, as the service answers it (the bodies, in order).
fn all_pages(org: &str, token: &str, collection: &str, sort: &str) -> Vec<String> {
    let mut pages = Vec::new();
    let mut start = 1;
    loop {
        let reply = scim(
            org,
            token,
            "GET",
            &format!("/{collection}?sortBy={sort}&count=200&startIndex={start}"),
            None,
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        let body = reply.json();
        let n = body["Resources"].as_array().map_or(0, Vec::len);
        pages.push(reply.text);
        if n < 200 {
            return pages;
        }
        start += 200;
    }
}

#[test]
fn orgs_on_different_shards_are_isolated_and_placed_as_asked() {
    let (a, b, c) = (unique("shard-a"), unique("shard-b"), unique("shard-c"));
    let (token_a, shard_a) = new_org(&a, r#"{"shard": "s2"}"#);
    let (token_b, shard_b) = new_org(&b, r#"{"placement": "eu"}"#);
    let (token_c, shard_c) = new_org(&c, r#"{"shard": "main"}"#);
    assert_eq!(
        (shard_a.as_str(), shard_b.as_str(), shard_c.as_str()),
        ("s2", "eu1", "main")
    );
    assert_eq!(
        admin(
            "POST",
            &format!("{}/token", unique("x")),
            Some(r#"{"placement": "mars"}"#)
        )
        .status,
        400
    );
    // The same userName in each org: three users, one per shard, none seeing another.
    for (org, token) in [(&a, &token_a), (&b, &token_b), (&c, &token_c)] {
        let reply = scim(
            org,
            token,
            "POST",
            "/Users",
            Some(&json!({"userName": "same@x.test"})),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    for (org, token) in [(&a, &token_a), (&b, &token_b), (&c, &token_c)] {
        let list = scim(org, token, "GET", "/Users", None).json();
        assert_eq!(list["totalResults"], 1, "{org}: {list}");
        let export = admin("GET", &format!("{org}/export"), None);
        let first: Value = serde_json::from_str(export.text.lines().next().unwrap()).unwrap();
        let token_info = admin("GET", &format!("{org}/token"), None).json();
        assert_eq!(first["shard"], token_info["shard"]);
    }
    assert_eq!(scim(&a, &token_b, "GET", "/Users", None).status, 401);
    for org in [&a, &b, &c] {
        assert_eq!(admin("DELETE", org, None).status, 200);
    }
}

/// Creates a user, retrying while the org is paused for a move (503 + Retry-After). Returns
/// the id, or `None` if the answer was anything else.
fn create_retrying(
    org: &str,
    token: &str,
    user_name: &str,
    paused: &AtomicUsize,
) -> Option<String> {
    for _ in 0..200 {
        let reply = scim(
            org,
            token,
            "POST",
            "/Users",
            Some(&json!({"userName": user_name})),
        );
        match reply.status {
            201 => return Some(reply.json()["id"].as_str().unwrap().to_owned()),
            503 => {
                assert!(reply.header("retry-after").is_some(), "{}", reply.text);
                paused.fetch_add(1, Ordering::SeqCst);
                // An IdP waits Retry-After (5 s); the test keeps the pressure on.
                std::thread::sleep(Duration::from_millis(100));
            }
            other => panic!("create {user_name}: {other} {}", reply.text),
        }
    }
    None
}

#[test]
fn a_move_under_write_traffic_loses_nothing() {
    let org = unique("shard-move");
    let (token, shard) = new_org(&org, r#"{"shard": "main"}"#);
    assert_eq!(shard, "main");
    for i in 0..150 {
        let reply = scim(
            &org,
            &token,
            "POST",
            "/Users",
            Some(&json!({"userName": format!("seed{i}")})),
        );
        assert_eq!(reply.status, 201);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let created = Arc::new(Mutex::new(Vec::new()));
    let paused = Arc::new(AtomicUsize::new(0));
    let reads_failed = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for w in 0..3 {
        let (org, token, stop, created, paused) = (
            org.clone(),
            token.clone(),
            stop.clone(),
            created.clone(),
            paused.clone(),
        );
        workers.push(std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let name = format!("live{w}-{i}");
                let id = create_retrying(&org, &token, &name, &paused).expect("created");
                created.lock().unwrap().push(id);
                i += 1;
            }
        }));
    }
    {
        let (org, token, stop, reads_failed) = (
            org.clone(),
            token.clone(),
            stop.clone(),
            reads_failed.clone(),
        );
        workers.push(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                if scim(&org, &token, "GET", "/Users?count=1", None).status != 200 {
                    reads_failed.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(500));
    let moved = admin("POST", &format!("{org}/move"), Some(r#"{"to": "s2"}"#));
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.json()["oldCopyPurged"], true);
    std::thread::sleep(Duration::from_millis(300));
    let back = admin("POST", &format!("{org}/move"), Some(r#"{"to": "eu1"}"#));
    assert_eq!(back.status, 200, "{}", back.text);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(
        reads_failed.load(Ordering::SeqCst),
        0,
        "reads failed during the moves"
    );
    let created = created.lock().unwrap().clone();
    assert!(!created.is_empty());
    let list = scim(&org, &token, "GET", "/Users?count=0", None).json();
    assert_eq!(
        list["totalResults"],
        150 + created.len(),
        "lost or extra users"
    );
    for id in created.iter().step_by(7) {
        assert_eq!(
            scim(&org, &token, "GET", &format!("/Users/{id}"), None).status,
            200
        );
    }
    assert_eq!(
        admin("GET", &format!("{org}/token"), None).json()["shard"],
        "eu1"
    );
    eprintln!(
        "move under traffic: {} live creates, {} answered 503 while paused",
        created.len(),
        paused.load(Ordering::SeqCst)
    );
    assert_eq!(admin("DELETE", &org, None).status, 200);
}

#[test]
fn export_then_import_answers_the_same_gets_for_1000_users_and_100_groups() {
    let org = unique("shard-backup");
    let (token, _) = new_org(&org, r#"{"shard": "s2"}"#);
    let ids = Arc::new(Mutex::new(vec![String::new(); 1000]));
    // Four writers: the suite runs other tests (some timing-sensitive) alongside.
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (org, token, ids) = (org.clone(), token.clone(), ids.clone());
            std::thread::spawn(move || {
                for i in (t..1000).step_by(4) {
                    let reply = scim(
                        &org,
                        &token,
                        "POST",
                        "/Users",
                        Some(&json!({
                            "userName": format!("user{i:04}@backup.test"),
                            "name": {"givenName": format!("G{i}"), "familyName": "Backup"},
                            "emails": [{"value": format!("user{i:04}@backup.test"), "primary": true}],
                            "active": i % 10 != 0,
                        })),
                    );
                    assert_eq!(reply.status, 201, "{}", reply.text);
                    ids.lock().unwrap()[i] = reply.json()["id"].as_str().unwrap().to_owned();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let ids = ids.lock().unwrap().clone();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (org, token, ids) = (org.clone(), token.clone(), ids.clone());
            std::thread::spawn(move || {
                for g in (t..100).step_by(4) {
                    let members: Vec<Value> = (0..10)
                        .map(|k| json!({"value": ids[(g * 10 + k) % 1000]}))
                        .collect();
                    let reply = scim(
                        &org,
                        &token,
                        "POST",
                        "/Groups",
                        Some(&json!({"displayName": format!("Group {g:03}"), "members": members})),
                    );
                    assert_eq!(reply.status, 201, "{}", reply.text);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let users = all_pages(&org, &token, "Users", "userName");
    let groups = all_pages(&org, &token, "Groups", "displayName");
    let one_user = scim(&org, &token, "GET", &format!("/Users/{}", ids[17]), None).text;

    let export = admin("GET", &format!("{org}/export"), None);
    assert_eq!(export.status, 200);
    assert_eq!(export.header("content-type"), Some("application/x-ndjson"));
    let end: Value = serde_json::from_str(export.text.lines().last().unwrap()).unwrap();
    assert_eq!(end["end"]["rows"]["users"], 1000);
    assert_eq!(end["end"]["rows"]["groups"], 100);
    assert_eq!(end["end"]["rows"]["group_members"], 1000);

    // Restore: the org deleted, a new token (on another shard), the file imported.
    assert_eq!(admin("DELETE", &org, None).status, 200);
    let (token, shard) = new_org(&org, r#"{"placement": "eu"}"#);
    assert_eq!(shard, "eu1");
    let imported = admin("POST", &format!("{org}/import"), Some(&export.text));
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(all_pages(&org, &token, "Users", "userName"), users);
    assert_eq!(all_pages(&org, &token, "Groups", "displayName"), groups);
    assert_eq!(
        scim(&org, &token, "GET", &format!("/Users/{}", ids[17]), None).text,
        one_user
    );
    // A second import into the now full org is refused.
    assert_eq!(
        admin("POST", &format!("{org}/import"), Some(&export.text)).status,
        409
    );
    assert_eq!(admin("DELETE", &org, None).status, 200);
}
