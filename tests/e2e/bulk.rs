//! `POST /Bulk` (RFC 7644 §3.7) against the worker under `wrangler dev`: references, order,
//! failures, failOnErrors, limits, isolation, a race, and the round trips a large bulk costs.

use crate::helpers::{patch_body, queries, TestApp};
use serde_json::{json, Value};
use std::sync::{Arc, Barrier};
use std::time::Instant;

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn bulk_body(operations: Value) -> Value {
    json!({"schemas": [BULK_REQUEST], "Operations": operations})
}

fn user_post(bulk_id: &str, user_name: &str) -> Value {
    json!({"method": "POST", "path": "/Users", "bulkId": bulk_id,
        "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name}})
}

fn group_post(bulk_id: &str, name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    json!({"method": "POST", "path": "/Groups", "bulkId": bulk_id,
        "data": {"displayName": name, "members": members}})
}

/// The results of a 200 BulkResponse.
fn results(app: &TestApp, operations: Value) -> (Vec<Value>, u32) {
    let reply = app.post("/Bulk", &bulk_body(operations));
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
    );
    (
        body["Operations"].as_array().unwrap().clone(),
        queries(&reply),
    )
}

fn statuses(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect()
}

fn id_of(result: &Value) -> String {
    let location = result["location"].as_str().expect("location");
    location.rsplit('/').next().unwrap().to_owned()
}

#[test]
fn a_thousand_user_posts_cost_a_handful_of_round_trips() {
    let app = TestApp::new();
    let operations: Vec<Value> = (0..1000)
        .map(|i| user_post(&format!("u{i}"), &format!("bulk{i}@example.com")))
        .collect();
    let started = Instant::now();
    let (results, round_trips) = results(&app, Value::Array(operations));
    let elapsed = started.elapsed();
    assert_eq!(results.len(), 1000);
    assert!(results.iter().all(|r| r["status"] == "201"));
    // A few statements a POST, up to 1,000 statements a batch (BULK_MAX_STATEMENTS default):
    // a handful of round trips where single POSTs take 1,000.
    assert!((1..=5).contains(&round_trips), "{round_trips}");
    eprintln!("bulk: 1000 user POSTs in one request: {round_trips} D1 round trips, {elapsed:?}");
    assert_eq!(app.get_ok("/Users?count=0")["totalResults"], 1000);
    let location = results[0]["location"].as_str().unwrap();
    assert_eq!(location, app.url(&format!("/Users/{}", id_of(&results[0]))));
    let etag = results[0]["version"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/Users/{}", id_of(&results[0])))
            .header("etag"),
        Some(etag)
    );
}

#[test]
fn members_reference_users_created_before_and_after_the_group() {
    let app = TestApp::new();
    let (results, _) = results(
        &app,
        json!([
            user_post("alice", "alice"),
            group_post("team", "Team", &["bulkId:alice", "bulkId:bob"]),
            user_post("bob", "bob"),
        ]),
    );
    assert_eq!(statuses(&results), ["201", "201", "201"], "{results:?}");
    let group = id_of(&results[1]);
    let mut expected = vec![id_of(&results[0]), id_of(&results[2])];
    expected.sort();
    assert_eq!(app.member_ids(&group), expected);
    let alice = app.get_ok(&format!("/Users/{}", id_of(&results[0])));
    assert_eq!(alice["groups"][0]["value"], group.as_str());
}

#[test]
fn a_reference_cycle_is_409_and_creates_nothing() {
    let app = TestApp::new();
    let (results, _) = results(
        &app,
        json!([
            group_post("a", "A", &["bulkId:b"]),
            group_post("b", "B", &["bulkId:a"]),
            user_post("u", "independent"),
        ]),
    );
    assert_eq!(statuses(&results), ["409", "409", "201"], "{results:?}");
    assert_eq!(app.get_ok("/Groups")["totalResults"], 0);
}

#[test]
fn fail_on_errors_stops_and_reports_only_what_ran() {
    let app = TestApp::new();
    app.create_user("taken");
    let reply = app.post(
        "/Bulk",
        &json!({"schemas": [BULK_REQUEST], "failOnErrors": 1, "Operations": [
            user_post("a", "first"), user_post("b", "TAKEN"), user_post("c", "never")]}),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let results = reply.json()["Operations"].as_array().unwrap().clone();
    assert_eq!(statuses(&results), ["201", "409"]);
    assert_eq!(results[1]["response"]["scimType"], "uniqueness");
    assert_eq!(app.filter_ids("Users", "userName eq \"never\"").len(), 0);
}

#[test]
fn successes_and_failures_mix_without_affecting_each_other() {
    let app = TestApp::new();
    let existing = app.create_user_id("existing");
    let (results, _) = results(
        &app,
        json!([
            user_post("a", "one"),
            user_post("b", "one"),
            user_post("c", "two"),
            {"method": "PATCH", "path": format!("/Users/{existing}"), "version": "W/\"1\"",
             "data": patch_body(json!([{"op": "replace", "path": "active", "value": false}]))},
            {"method": "PATCH", "path": format!("/Users/{existing}"),
             "data": patch_body(json!([{"op": "replace", "path": "displayName", "value": "E"}]))},
            {"method": "DELETE", "path": "/Groups/missing"},
            {"method": "PUT", "path": "/Users/bulkId:c", "data": {"userName": "two", "title": "Boss"}},
        ]),
    );
    assert_eq!(
        statuses(&results),
        ["201", "409", "201", "412", "200", "404", "200"],
        "{results:?}"
    );
    let user = app.get_ok(&format!("/Users/{existing}"));
    assert_eq!(user["displayName"], "E");
    assert_eq!(user["active"], true);
    assert_eq!(
        app.get_ok(&format!("/Users/{}", id_of(&results[2])))["title"],
        "Boss"
    );
}

#[test]
fn a_bulk_in_one_org_never_touches_another() {
    let a = TestApp::new();
    let b = TestApp::new();
    let victim = b.create_user_id("victim");
    let group = b.create_group_id("Victims", &[&victim]);
    let (results, _) = results(
        &a,
        json!([
            {"method": "DELETE", "path": format!("/Users/{victim}")},
            {"method": "PATCH", "path": format!("/Groups/{group}"),
             "data": patch_body(json!([{"op": "remove", "path": "members"}]))},
            group_post("g", "Mine", &[&victim]),
            user_post("v", "victim"),
        ]),
    );
    assert_eq!(
        statuses(&results),
        ["404", "404", "400", "201"],
        "{results:?}"
    );
    assert_eq!(b.get_ok(&format!("/Users/{victim}"))["userName"], "victim");
    assert_eq!(b.member_ids(&group), vec![victim]);
    assert_eq!(b.get_ok("/Users")["totalResults"], 1);
}

#[test]
fn two_bulks_racing_on_one_user_name_create_it_once() {
    let app = Arc::new(TestApp::new());
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let (app, barrier) = (Arc::clone(&app), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut ops: Vec<Value> = (0..20)
                    .map(|n| user_post(&format!("f{n}"), &format!("filler-{i}-{n}")))
                    .collect();
                ops.push(user_post("race", "contested"));
                barrier.wait();
                let reply = app.post("/Bulk", &bulk_body(Value::Array(ops)));
                assert_eq!(reply.status, 200, "{}", reply.text);
                reply.json()["Operations"][20]["status"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
        })
        .collect();
    let mut outcomes: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    outcomes.sort();
    assert_eq!(outcomes, ["201", "409"]);
    assert_eq!(
        app.filter_ids("Users", "userName eq \"contested\"").len(),
        1
    );
    assert_eq!(app.get_ok("/Users?count=0")["totalResults"], 41);
}

#[test]
fn over_the_limits_is_413() {
    let app = TestApp::new();
    let operations: Vec<Value> = (0..2001)
        .map(|i| user_post(&format!("u{i}"), "x"))
        .collect();
    let reply = app.post("/Bulk", &bulk_body(Value::Array(operations)));
    let error = reply.scim_error(413);
    assert_eq!(error["scimType"], "tooMany");
    let padding = "x".repeat(4 * 1024 * 1024);
    let reply = app.post(
        "/Bulk",
        &bulk_body(json!([{"method": "POST", "path": "/Users", "bulkId": "a",
            "data": {"userName": "big", "title": padding}}])),
    );
    reply.scim_error(413);
    assert_eq!(app.get_ok("/Users?count=0")["totalResults"], 0);
}
