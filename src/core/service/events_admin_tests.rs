//! Native tests of the Events API, the operator events and the webhook administration,
//! through the whole service on SQLite.

use super::test_app::{Reply, TestApp, ADMIN_SECRET};
use crate::core::events::signature::SigningSecret;
use crate::core::http::Method;
use serde_json::{json, Value};

fn events(app: &TestApp, org: &str, query: &str) -> Reply {
    app.admin(Method::Get, &format!("{org}/events{query}"), None)
}

fn types(reply: &Reply) -> Vec<String> {
    reply.json()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

fn deployment(app: &TestApp, method: Method, body: Option<&str>) -> Reply {
    let auth = format!("Bearer {ADMIN_SECRET}");
    app.raw(
        method,
        "/admin/webhook",
        vec![("authorization", auth.as_str())],
        body,
    )
}

#[test]
fn an_empty_log_reads_as_empty() {
    let app = TestApp::new();
    let reply = events(&app, "acme", "");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.json(),
        json!({"org": "acme", "events": [], "next": 0, "hasMore": false, "oldestSeq": 1, "latestSeq": 0})
    );
    assert_eq!(reply.log.d1_round_trips, 1);
}

#[test]
fn token_operations_and_org_deletion_are_operator_events() {
    let app = TestApp::new();
    app.create_user("alice");
    assert_eq!(app.admin(Method::Post, "acme/token", None).status, 201);
    assert_eq!(app.admin(Method::Delete, "acme/token", None).status, 204);
    // A second revocation ends nothing and records nothing.
    assert_eq!(app.admin(Method::Delete, "acme/token", None).status, 204);
    assert_eq!(app.admin(Method::Delete, "acme", None).status, 200);
    // Deleting it again removes nothing and records nothing.
    assert_eq!(app.admin(Method::Delete, "acme", None).status, 200);
    let reply = events(
        &app,
        "acme",
        "?types=org.token_created,org.token_revoked,org.deleted",
    );
    assert_eq!(
        types(&reply),
        vec!["org.token_created", "org.token_revoked", "org.deleted"]
    );
    let body = reply.json();
    let created = &body["events"][0];
    assert_eq!(created["source"], "admin");
    assert_eq!(created["org"], "acme");
    assert!(created.get("resource").is_none());
    assert_eq!(created["data"]["last4"].as_str().unwrap().len(), 4);
    assert!(created["data"].get("token").is_none());
    assert_eq!(body["events"][2]["data"]["deleted"]["users"], 1);
    // The log outlives the org.
    assert_eq!(events(&app, "acme", "").status, 200);
}

#[test]
fn pages_follow_next_and_stop_with_has_more_false() {
    let app = TestApp::new();
    for _ in 0..5 {
        assert_eq!(app.admin(Method::Post, "acme/token", None).status, 201);
    }
    let first = events(&app, "acme", "?limit=2").json();
    assert_eq!(first["hasMore"], true);
    assert_eq!(first["next"], 2);
    assert_eq!(first["latestSeq"], 5);
    let second = events(&app, "acme", "?after=2&limit=2").json();
    let seqs: Vec<i64> = second["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![3, 4]);
    let last = events(&app, "acme", "?after=4&limit=2").json();
    assert_eq!(last["hasMore"], false);
    assert_eq!(last["next"], 5);
    // A filter that matches nothing still moves the reader to the end.
    let none = events(&app, "acme", "?types=user.deleted").json();
    assert_eq!(none["events"], json!([]));
    assert_eq!(none["next"], 5);
}

#[test]
fn reading_past_retention_answers_410_with_the_oldest_seq() {
    let app = TestApp::new();
    for _ in 0..3 {
        app.admin(Method::Post, "acme/token", None);
    }
    app.db.query("DELETE FROM events WHERE seq < 3", vec![]);
    assert_eq!(events(&app, "acme", "?after=2").status, 200);
    let gone = events(&app, "acme", "?after=1");
    assert_eq!(gone.status, 410);
    let body = gone.json();
    assert_eq!(body["oldestSeq"], 3);
    assert_eq!(body["status"], "410");
    assert!(body["detail"].as_str().unwrap().contains("Resynchronise"));
    // Without `after`, the reader starts at the oldest retained event.
    let fresh = events(&app, "acme", "").json();
    assert_eq!(fresh["events"][0]["seq"], 3);
}

#[test]
fn bad_queries_are_400() {
    let app = TestApp::new();
    for query in ["?limit=0", "?after=x", "?types=nope", "?page=2"] {
        let reply = events(&app, "acme", query);
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(reply.json()["scimType"], "invalidValue");
    }
    assert_eq!(app.admin(Method::Post, "acme/events", None).status, 405);
}

#[test]
fn the_events_api_needs_the_admin_secret() {
    let app = TestApp::new();
    let reply = app.raw(
        Method::Get,
        "/admin/orgs/acme/events",
        vec![("authorization", &format!("Bearer {}", app.token))],
        None,
    );
    assert_eq!(reply.status, 401);
}

#[test]
fn an_org_webhook_is_shown_once_with_its_secret_then_without() {
    let app = TestApp::new();
    let put = app.admin(
        Method::Put,
        "acme/webhook",
        Some(r#"{"url": "https://hooks.example.com/scim", "types": ["user.deactivated"]}"#),
    );
    assert_eq!(put.status, 200, "{:?}", put.response.body);
    let body = put.json();
    let secret = body["secret"].as_str().unwrap();
    assert!(SigningSecret::parse(secret).is_some());
    assert_eq!(body["types"], json!(["user.deactivated"]));
    assert_eq!(body["scope"], "acme");
    let get = app.admin(Method::Get, "acme/webhook", None);
    assert_eq!(get.status, 200);
    assert!(get.json().get("secret").is_none());
    assert!(!get.response.body.clone().unwrap().contains(secret));
    assert_eq!(get.json()["url"], "https://hooks.example.com/scim");
    assert_eq!(app.admin(Method::Delete, "acme/webhook", None).status, 204);
    assert_eq!(app.admin(Method::Get, "acme/webhook", None).status, 404);
}

#[test]
fn webhook_urls_must_be_https_unless_local_loopback() {
    let mut app = TestApp::new();
    for bad in [
        r#"{"url": "http://hooks.example.com/"}"#,
        r#"{"url": "ftp://x"}"#,
        r#"{"url": "https://h.example", "types": ["nope"]}"#,
        r#"{}"#,
        "not json",
    ] {
        let reply = app.admin(Method::Put, "acme/webhook", Some(bad));
        assert_eq!(reply.status, 400, "{bad}");
    }
    let loopback = r#"{"url": "http://127.0.0.1:9000/hook"}"#;
    assert_eq!(
        app.admin(Method::Put, "acme/webhook", Some(loopback))
            .status,
        200
    );
    app.local_dev = false;
    assert_eq!(
        app.admin(Method::Put, "acme/webhook", Some(loopback))
            .status,
        400
    );
}

#[test]
fn the_deployment_webhook_lives_at_admin_webhook() {
    let app = TestApp::new();
    let put = deployment(
        &app,
        Method::Put,
        Some(r#"{"url": "https://all.example.com/"}"#),
    );
    assert_eq!(put.status, 200);
    assert_eq!(put.json()["scope"], "*");
    assert_eq!(put.json()["types"], Value::Null);
    assert_eq!(
        deployment(&app, Method::Get, None).json()["url"],
        "https://all.example.com/"
    );
    assert_eq!(deployment(&app, Method::Post, None).status, 405);
    assert_eq!(deployment(&app, Method::Delete, None).status, 204);
    assert_eq!(deployment(&app, Method::Get, None).status, 404);
}

#[test]
fn redeliver_needs_an_endpoint_and_a_from() {
    let app = TestApp::new();
    let reply = app.admin(Method::Post, "acme/webhook/redeliver?from=1", None);
    assert_eq!(reply.status, 404);
    app.admin(
        Method::Put,
        "acme/webhook",
        Some(r#"{"url": "https://h.example/"}"#),
    );
    assert_eq!(
        app.admin(Method::Post, "acme/webhook/redeliver", None)
            .status,
        400
    );
    let reply = app.admin(Method::Post, "acme/webhook/redeliver?from=1", None);
    assert_eq!(reply.status, 202);
    assert_eq!(reply.json()["endpoints"], 1);
    let cursor = app
        .db
        .query("SELECT delivered_seq FROM webhook_cursors", vec![]);
    assert_eq!(cursor[0]["delivered_seq"], 0);
    let listing = app.admin(Method::Get, "acme/deliveries", None);
    assert_eq!(listing.status, 200);
    assert_eq!(listing.json()["deliveries"], json!([]));
}

#[test]
fn operator_events_ask_for_delivery_after_the_response() {
    let app = TestApp::new();
    let reply = app.admin(Method::Post, "acme/token", None);
    assert_eq!(reply.deliveries.len(), 1);
    assert_eq!(reply.deliveries[0].org, "acme");
    assert!(app
        .admin(Method::Get, "acme/events", None)
        .deliveries
        .is_empty());
}
