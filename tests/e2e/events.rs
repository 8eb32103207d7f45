//! Directory events end to end: the change log read through the Events API, webhooks
//! delivered through the local Queue to a loopback receiver in the test, retries with the
//! suite's one-second backoff, redelivery, the cron, and gapless numbering under 32 writers.

use crate::helpers::{admin, patch_body, queries, run_cron, TestApp};
use crate::receiver::{signature_is_valid, Delivery, Receiver};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// Every retained event of the org's log, through the Events API: from the oldest (no
/// `after`), then following `next`.
fn all_events(org: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after: Option<i64> = None;
    loop {
        let from = after.map_or(String::new(), |a| format!("after={a}&"));
        let reply = admin("GET", &format!("{org}/events?{from}limit=1000"), None);
        assert_eq!(reply.status, 200, "{}", reply.text);
        let body = reply.json();
        out.extend(body["events"].as_array().unwrap().iter().cloned());
        after = body["next"].as_i64();
        if body["hasMore"] == false {
            return out;
        }
    }
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

fn register(org: &str, url: &str) -> String {
    let reply = admin(
        "PUT",
        &format!("{org}/webhook"),
        Some(&json!({"url": url}).to_string()),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["secret"].as_str().unwrap().to_owned()
}

fn distinct_ids(got: &[Delivery]) -> BTreeSet<String> {
    got.iter()
        .map(|d| d.header("webhook-id").to_owned())
        .collect()
}

#[test]
fn an_entra_cycle_is_logged_and_delivered_signed() {
    let app = TestApp::new();
    let receiver = Receiver::start(&[]);
    let secret = register(&app.org, &receiver.url);

    let user = app.create_user_id("ada@example.com");
    let path = format!("/Users/{user}");
    let reply = app.patch(
        &path,
        &patch_body(json!([{"op": "Replace", "path": "displayName", "value": "Ada L"}])),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let group = app.create_group_id("Engineering", &[]);
    let group_path = format!("/Groups/{group}");
    let add = patch_body(json!([{"op": "Add", "path": "members", "value": [{"value": user}]}]));
    assert_eq!(app.patch(&group_path, &add).status, 204);
    // Entra deactivates with the string "False".
    let reply = app.patch(
        &path,
        &patch_body(json!([{"op": "Replace", "path": "active", "value": "False"}])),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    // A PATCH that changes nothing appends nothing.
    let reply = app.patch(
        &path,
        &patch_body(json!([{"op": "Replace", "path": "active", "value": "False"}])),
    );
    assert_eq!(reply.status, 200);
    // A failing request (409: the name is taken) appends nothing.
    let taken = app.post(
        "/Groups",
        &json!({"displayName": "engineering", "members": []}),
    );
    assert_eq!(taken.status, 409, "{}", taken.text);
    assert_eq!(app.delete(&path).status, 204);
    assert_eq!(app.delete(&group_path).status, 204);

    let events = all_events(&app.org);
    assert_eq!(
        types(&events),
        vec![
            "user.created",
            "user.updated",
            "group.created",
            "group.member_added",
            "user.deactivated",
            "group.member_removed",
            "user.deleted",
            "group.deleted",
        ]
    );
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
    assert_eq!(events[1]["previous"], json!({"displayName": null}));
    assert_eq!(events[4]["previous"], json!({"active": true}));
    assert_eq!(events[4]["data"]["active"], false);
    assert_eq!(events[4]["resource"]["userName"], "ada@example.com");
    assert_eq!(events[3]["data"]["member"]["value"], user);
    assert!(events
        .iter()
        .all(|e| e["source"] == "scim" && e["org"] == app.org.as_str()));

    let got = receiver.wait_for(Duration::from_secs(60), |got| distinct_ids(got).len() >= 8);
    for delivery in &got {
        assert!(signature_is_valid(&secret, delivery), "{delivery:?}");
        let event = delivery.event();
        assert_eq!(event["id"], delivery.header("webhook-id"));
        let logged = &events[(event["seq"].as_i64().unwrap() - 1) as usize];
        assert_eq!(&event, logged);
    }
    // First arrivals come in log order.
    let mut seen = BTreeSet::new();
    let first: Vec<i64> = got
        .iter()
        .filter(|d| seen.insert(d.header("webhook-id").to_owned()))
        .map(|d| d.event()["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(first, seqs);
}

#[test]
fn a_receiver_failing_three_times_gets_the_event_on_the_fourth_attempt() {
    let app = TestApp::new();
    let receiver = Receiver::start(&[500, 500, 500]);
    register(&app.org, &receiver.url);
    app.create_user_id("retry@example.com");
    let got = receiver.wait_for(Duration::from_secs(90), |got| {
        got.iter().any(|d| d.answered == 200)
    });
    let answered: Vec<u16> = got.iter().map(|d| d.answered).collect();
    assert_eq!(answered, vec![500, 500, 500, 200]);
    assert_eq!(distinct_ids(&got).len(), 1, "retries keep the webhook-id");
    // The pump records an attempt after the receiver answered it: wait for the fourth.
    let started = std::time::Instant::now();
    let (listing, statuses) = loop {
        let listing = admin("GET", &format!("{}/deliveries", app.org), None).json();
        let statuses: Vec<String> = listing["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["status"].as_str().unwrap().to_owned())
            .collect();
        if statuses.len() >= 4 || started.elapsed() > Duration::from_secs(20) {
            break (listing, statuses);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        statuses,
        vec!["delivered", "retrying", "retrying", "retrying"]
    );
    let newest = &listing["deliveries"][0];
    assert_eq!(newest["httpStatus"], 200);
    assert_eq!(newest["attempt"], 4);
    assert!(listing["deliveries"][1]["nextRetryAt"].is_string());

    // Redelivery replays from a seq, with the same id.
    let reply = admin(
        "POST",
        &format!("{}/webhook/redeliver?from=1", app.org),
        None,
    );
    assert_eq!(reply.status, 202, "{}", reply.text);
    let again = receiver.wait_for(Duration::from_secs(30), |got| {
        got.iter().filter(|d| d.answered == 200).count() >= 2
    });
    assert_eq!(distinct_ids(&again).len(), 1);
}

/// Runs SQL on the running instance's local D1 (as an operator's `wrangler d1 execute`),
/// again while the running worker holds the database (SQLITE_BUSY).
fn execute_local_sql(sql: &str) {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut last = String::new();
    for _ in 0..20 {
        let output = std::process::Command::new("bash")
            .arg("-c")
            .arg("source scripts/tool-env.sh && wrangler d1 execute DB --local --persist-to \"$1\" --command \"$2\"")
            .args(["execute", crate::helpers::persist_dir(), sql])
            .current_dir(root)
            .output()
            .expect("run wrangler d1 execute");
        if output.status.success() {
            return;
        }
        last = String::from_utf8_lossy(&output.stderr).into_owned();
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("d1 execute: {last}");
}

#[test]
fn the_cron_prunes_events_past_retention_and_the_api_answers_410() {
    let app = TestApp::new();
    app.create_user_id("old@example.com");
    app.create_user_id("new@example.com");
    // Age the first event past the 90-day retention.
    execute_local_sql(&format!(
        "UPDATE events SET occurred_at = '2020-01-01T00:00:00.000Z' WHERE org = '{}' AND seq = 1",
        app.org
    ));
    run_cron();
    let events = all_events(&app.org);
    assert_eq!(types(&events), vec!["user.created"]);
    assert_eq!(events[0]["seq"], 2);
    // A reader that last saw nothing (after=0) missed seq 1: 410 names the oldest retained.
    let gone = admin("GET", &format!("{}/events?after=0", app.org), None);
    assert_eq!(gone.status, 410, "{}", gone.text);
    assert_eq!(gone.json()["oldestSeq"], 2);
    assert_eq!(
        admin("GET", &format!("{}/events?after=1", app.org), None).status,
        200
    );
}

#[test]
fn writes_keep_their_round_trips_with_events_on() {
    let app = TestApp::new();
    let reply = app.post(
        "/Users",
        &json!({"userName": "rt@example.com", "active": true}),
    );
    assert_eq!(reply.status, 201);
    assert_eq!(queries(&reply), 1, "POST /Users");
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let reply = app.patch(
        &format!("/Users/{id}"),
        &patch_body(json!([{"op": "replace", "path": "active", "value": false}])),
    );
    assert!(queries(&reply) <= 2, "PATCH /Users: {}", queries(&reply));
    let reply = app.delete(&format!("/Users/{id}"));
    assert_eq!(queries(&reply), 1, "DELETE /Users");
}

/// 32 writers at once on one org (creates and PATCHes of one shared user): the log numbers
/// exactly the successful writes, 1..=n, with no gap and no duplicate.
#[test]
fn thirty_two_parallel_writers_leave_a_gapless_sequence() {
    const WRITERS: usize = 32;
    let app = Arc::new(TestApp::new());
    let shared = app.create_user_id("shared@example.com");
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (app, barrier, shared) = (Arc::clone(&app), Arc::clone(&barrier), shared.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let created = app
                    .post(
                        "/Users",
                        &json!({"userName": format!("writer{i}@example.com")}),
                    )
                    .status;
                let patched = app
                    .patch(
                        &format!("/Users/{shared}"),
                        &patch_body(
                            json!([{"op": "replace", "path": "title", "value": format!("w{i}")}]),
                        ),
                    )
                    .status;
                (created, patched)
            })
        })
        .collect();
    let statuses: Vec<(u16, u16)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let successes = 1 + statuses
        .iter()
        .map(|(c, p)| usize::from(*c == 201) + usize::from(*p == 200))
        .sum::<usize>();
    let events = all_events(&app.org);
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=successes as i64).collect::<Vec<_>>(),
        "{statuses:?}"
    );
    let ids: BTreeSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), events.len());
}
