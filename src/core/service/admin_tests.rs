//! Native tests of the admin API (`/admin/orgs/{org}/...`) through the whole service.

use super::admin::{purge_org, PurgeLimits};
use super::context::Ctx;
use super::test_app::{TestApp, ADMIN_SECRET};
use super::Runtime;
use crate::core::http::{HttpRequest, Method};
use crate::core::testing::block_on;
use crate::core::token::kv_key;
use serde_json::{json, Value};

const HOUR_MS: u64 = 3_600_000;

fn new_token(app: &TestApp, org: &str, body: Option<&str>) -> Value {
    let reply = app.admin(Method::Post, &format!("{org}/token"), body);
    assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    reply.json()
}

fn scim_status(app: &TestApp, org: &str, token: &str) -> u16 {
    app.scim_as(org, token, Method::Get, "/Users").status
}

/// Every admin route, with a method it answers.
const ADMIN_ROUTES: [(Method, &str); 6] = [
    (Method::Post, "/admin/orgs/acme/token"),
    (Method::Get, "/admin/orgs/acme/token"),
    (Method::Delete, "/admin/orgs/acme/token"),
    (Method::Delete, "/admin/orgs/acme"),
    (Method::Get, "/admin/orgs/acme/nothing-here"),
    (Method::Get, "/admin/orgs"),
];

#[test]
fn without_a_configured_secret_every_admin_route_answers_like_an_unknown_path() {
    let app = TestApp::new().without_admin_secret();
    // One cf-ray for all, so the request ids (header and detail) are equal too.
    let ray = ("cf-ray", "8c1a2b3c4d5e6f70-LHR");
    let unknown = app.raw(Method::Get, "/no/such/path", vec![ray], None);
    assert_eq!(unknown.status, 404);
    let auth = format!("Bearer {ADMIN_SECRET}");
    for (method, path) in ADMIN_ROUTES {
        for headers in [vec![ray], vec![ray, ("authorization", auth.as_str())]] {
            let reply = app.raw(method, path, headers, Some(r#"{"graceSeconds":5}"#));
            assert_eq!(reply.status, 404, "{path}");
            assert_eq!(reply.response, unknown.response, "{path}");
            assert_eq!(reply.log.org, None);
        }
    }
    // Nothing was touched: the seeded token still works.
    assert_eq!(scim_status(&app, "acme", &app.token), 200);
}

#[test]
fn a_blank_secret_counts_as_none() {
    let mut app = TestApp::new();
    app.admin_secret = Some("  ");
    let reply = app.raw(
        Method::Get,
        "/admin/orgs/acme/token",
        vec![("authorization", "Bearer x")],
        None,
    );
    assert_eq!(reply.status, 404);
}

#[test]
fn with_a_secret_a_missing_or_wrong_one_is_401_and_changes_nothing() {
    let app = TestApp::new();
    let before = app.kv.map.borrow().clone();
    let wrong = [
        vec![],
        vec![("authorization", "Bearer operator-secreT")],
        vec![("authorization", "Bearer operator-secret-and-more")],
        vec![("authorization", "Basic operator-secret")],
        vec![("authorization", "operator-secret")],
    ];
    for headers in wrong {
        for (method, path) in ADMIN_ROUTES {
            let reply = app.raw(method, path, headers.clone(), None);
            assert_eq!(reply.status, 401, "{path} {headers:?}");
            let body = reply.json();
            assert_eq!(
                body["schemas"][0],
                "urn:ietf:params:scim:api:messages:2.0:Error"
            );
            assert_eq!(body["status"], "401");
            assert_eq!(
                reply.header("www-authenticate"),
                Some("Bearer realm=\"scim-edge-admin\"")
            );
        }
    }
    assert_eq!(*app.kv.map.borrow(), before);
    // The org's SCIM token is not an admin secret either.
    let auth = format!("Bearer {}", app.token);
    let reply = app.raw(
        Method::Get,
        "/admin/orgs/acme/token",
        vec![("authorization", auth.as_str())],
        None,
    );
    assert_eq!(reply.status, 401);
}

#[test]
fn the_secret_and_tokens_never_reach_the_log() {
    let app = TestApp::new();
    let created = app.admin(Method::Post, "acme/token", None);
    let token = created.json()["token"].as_str().unwrap().to_owned();
    let wrong = app.raw(
        Method::Get,
        "/admin/orgs/acme/token",
        vec![("authorization", "Bearer not-the-secret")],
        None,
    );
    for reply in [created, wrong] {
        let log = format!("{:?}", reply.log);
        assert!(!log.contains(ADMIN_SECRET), "{log}");
        assert!(!log.contains(&token), "{log}");
        assert!(!log.contains("not-the-secret"), "{log}");
        assert_eq!(reply.log.org.as_deref(), Some("acme"));
    }
}

#[test]
fn creating_a_token_returns_it_once_and_replaces_the_old_one_at_once() {
    let app = TestApp::new();
    let reply = app.admin(Method::Post, "acme/token", None);
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["org", "token", "created", "last4", "shard"]);
    assert_eq!(body["shard"], "main");
    let token = body["token"].as_str().unwrap();
    assert!(token.starts_with("scim_") && token.len() == 48, "{token}");
    assert_eq!(body["org"], "acme");
    assert_eq!(body["created"], "2026-11-28T13:45:00.000Z");
    assert_eq!(body["last4"], &token[token.len() - 4..]);
    // Only the hash is stored, in the record format `make token` writes.
    let stored = app.kv.map.borrow().get(&kv_key("acme")).cloned().unwrap();
    assert!(!stored.contains(token));
    let record: crate::core::token::TokenRecord = serde_json::from_str(&stored).unwrap();
    assert_eq!(record.previous, None);
    assert_eq!(scim_status(&app, "acme", token), 200);
    assert_eq!(scim_status(&app, "acme", &app.token), 401);
}

#[test]
fn a_token_can_be_created_for_an_org_that_has_none() {
    let app = TestApp::new();
    assert_eq!(app.admin(Method::Get, "newco/token", None).status, 404);
    let body = new_token(&app, "newco", Some(r#"{"graceSeconds": 60}"#));
    // Nothing to keep alive, so no grace.
    assert!(body.get("graceExpires").is_none());
    let token = body["token"].as_str().unwrap();
    assert_eq!(scim_status(&app, "newco", token), 200);
    // Tokens are per org.
    assert_eq!(scim_status(&app, "acme", token), 401);
}

#[test]
fn rotation_with_grace_keeps_the_old_token_until_the_grace_ends() {
    let mut app = TestApp::new();
    let old = app.token.clone();
    let body = new_token(&app, "acme", Some(r#"{"graceSeconds": 3600}"#));
    assert_eq!(body["graceExpires"], "2026-11-28T14:45:00.000Z");
    let new = body["token"].as_str().unwrap().to_owned();
    assert_eq!(scim_status(&app, "acme", &old), 200);
    assert_eq!(scim_status(&app, "acme", &new), 200);
    let meta = app.admin(Method::Get, "acme/token", None).json();
    assert_eq!(meta["graceExpires"], "2026-11-28T14:45:00.000Z");

    app.now_ms += HOUR_MS - 1;
    assert_eq!(scim_status(&app, "acme", &old), 200);
    app.now_ms += 1;
    assert_eq!(scim_status(&app, "acme", &old), 401);
    assert_eq!(scim_status(&app, "acme", &new), 200);
    let meta = app.admin(Method::Get, "acme/token", None).json();
    assert!(meta.get("graceExpires").is_none(), "{meta}");
}

#[test]
fn a_second_rotation_ends_the_first_grace_at_once() {
    let app = TestApp::new();
    let first = app.token.clone();
    let second = new_token(&app, "acme", Some(r#"{"graceSeconds": 600}"#));
    let second = second["token"].as_str().unwrap().to_owned();
    let third = new_token(&app, "acme", Some(r#"{"graceSeconds": 600}"#));
    let third = third["token"].as_str().unwrap();
    assert_eq!(scim_status(&app, "acme", &first), 401);
    assert_eq!(scim_status(&app, "acme", &second), 200);
    assert_eq!(scim_status(&app, "acme", third), 200);
    // Rotating without grace drops the token in grace too.
    let fourth = new_token(&app, "acme", Some(r#"{"graceSeconds": 0}"#));
    assert_eq!(scim_status(&app, "acme", &second), 401);
    assert_eq!(scim_status(&app, "acme", third), 401);
    assert_eq!(
        scim_status(&app, "acme", fourth["token"].as_str().unwrap()),
        200
    );
}

#[test]
fn bad_grace_bodies_are_400_and_keep_the_current_token() {
    let app = TestApp::new();
    let cases = [
        (r#"{"graceSeconds": -1}"#, "invalidValue"),
        (r#"{"graceSeconds": 86401}"#, "invalidValue"),
        (r#"{"graceSeconds": 1.5}"#, "invalidValue"),
        (r#"{"graceSeconds": "60"}"#, "invalidValue"),
        (r#"{"graceSeconds": null}"#, "invalidValue"),
        (r#"{"grace_seconds": 60}"#, "invalidValue"),
        (r#"[60]"#, "invalidSyntax"),
        (r#"{"graceSeconds": "#, "invalidSyntax"),
    ];
    for (body, scim_type) in cases {
        let reply = app.admin(Method::Post, "acme/token", Some(body));
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(reply.scim_type().as_deref(), Some(scim_type), "{body}");
    }
    let huge = format!(r#"{{"graceSeconds": 1{}}}"#, " ".repeat(2000));
    assert_eq!(
        app.admin(Method::Post, "acme/token", Some(&huge)).status,
        413
    );
    assert_eq!(scim_status(&app, "acme", &app.token), 200);
    // The bounds themselves are fine, as are an empty body and an empty object.
    for body in [
        r#"{"graceSeconds": 86400}"#,
        r#"{"graceSeconds": 0}"#,
        "{}",
        " ",
    ] {
        new_token(&app, "acme", Some(body));
    }
}

#[test]
fn token_metadata_never_shows_the_token_or_its_hash() {
    let app = TestApp::new();
    let created = new_token(&app, "acme", None);
    let reply = app.admin(Method::Get, "acme/token", None);
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(
        body,
        json!({"org": "acme", "created": created["created"], "last4": created["last4"], "shard": "main"})
    );
    let text = reply.response.body.unwrap();
    let stored = app.kv.map.borrow().get(&kv_key("acme")).cloned().unwrap();
    let record: crate::core::token::TokenRecord = serde_json::from_str(&stored).unwrap();
    assert!(!text.contains(&record.sha256));
    assert!(!text.contains(created["token"].as_str().unwrap()));
}

#[test]
fn revoking_is_idempotent_and_refuses_the_token_at_once() {
    let app = TestApp::new();
    for _ in 0..2 {
        let reply = app.admin(Method::Delete, "acme/token", None);
        assert_eq!(reply.status, 204);
        assert_eq!(reply.response.body, None);
    }
    assert_eq!(scim_status(&app, "acme", &app.token), 401);
    let reply = app.admin(Method::Get, "acme/token", None);
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.json()["detail"],
        format!(
            "Org acme has no SCIM token. Request id: {}",
            reply.log.request_id
        )
    );
}

#[test]
fn revoking_also_ends_a_grace_period() {
    let app = TestApp::new();
    let old = app.token.clone();
    new_token(&app, "acme", Some(r#"{"graceSeconds": 600}"#));
    app.admin(Method::Delete, "acme/token", None);
    assert_eq!(scim_status(&app, "acme", &old), 401);
}

#[test]
fn wrong_methods_and_unknown_admin_paths() {
    let app = TestApp::new();
    let reply = app.admin(Method::Put, "acme/token", None);
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, POST, DELETE"));
    let reply = app.admin(Method::Get, "acme", None);
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST, DELETE"));
    assert_eq!(app.admin(Method::Get, "acme/nothing", None).status, 404);
    assert_eq!(app.admin(Method::Get, "acme/token/x", None).status, 404);
    // A bad org name is the same 404 as on the SCIM side, before any storage access.
    assert_eq!(app.admin(Method::Delete, "-bad", None).status, 404);
}

/// Users with emails, and a group holding them, in the app's current org.
fn seed_directory(app: &TestApp, users: usize) -> Vec<String> {
    let ids: Vec<String> = (0..users)
        .map(|i| {
            let reply = app.post(
                "/Users",
                &json!({"userName": format!("u{i}@{}.example", app.org),
                        "emails": [{"value": format!("u{i}@{}.example", app.org), "type": "work"},
                                   {"value": format!("home{i}@{}.example", app.org), "type": "home"}]}),
            );
            assert_eq!(reply.status, 201, "{:?}", reply.response.body);
            reply.json()["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    for name in ["Engineering", "Everyone"] {
        let reply = app.post("/Groups", &json!({"displayName": name, "members": members}));
        assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    }
    ids
}

fn rows_of(app: &TestApp, org: &str) -> i64 {
    ["users", "user_emails", "groups", "group_members"]
        .iter()
        .map(|t| {
            app.db.query(
                &format!("SELECT COUNT(*) AS n FROM {t} WHERE org = ?1"),
                vec![org.into()],
            )[0]["n"]
                .as_i64()
                .unwrap()
        })
        .sum()
}

#[test]
fn deleting_an_org_removes_its_rows_and_token_and_nothing_else() {
    let other = TestApp::new().with_org("other");
    seed_directory(&other, 2);
    let other_rows = rows_of(&other, "other");
    let app = TestApp {
        db: other.db,
        kv: other.kv,
        ..TestApp::new()
    }
    .with_org("acme");
    seed_directory(&app, 3);

    let reply = app.admin(Method::Delete, "acme", None);
    assert_eq!(reply.status, 200, "{:?}", reply.response.body);
    assert_eq!(
        reply.json(),
        json!({"org": "acme", "tokenRevoked": true,
               "deleted": {"users": 3, "userEmails": 6, "groups": 2, "groupMembers": 6},
               "complete": true})
    );
    assert_eq!(rows_of(&app, "acme"), 0);
    assert_eq!(rows_of(&app, "other"), other_rows);
    assert_eq!(scim_status(&app, "acme", &app.token), 401);
    assert_eq!(scim_status(&app, "other", &other.token), 200);
    let users = app
        .scim_as("other", &other.token, Method::Get, "/Users")
        .json();
    assert_eq!(users["totalResults"], 2);

    // Again: nothing left to remove.
    let again = app.admin(Method::Delete, "acme", None).json();
    assert_eq!(again["tokenRevoked"], false);
    assert_eq!(
        again["deleted"],
        json!({"users": 0, "userEmails": 0, "groups": 0, "groupMembers": 0})
    );
    assert_eq!(again["complete"], true);

    // The org name can be used again, from scratch.
    let token = new_token(&app, "acme", None)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let users = app.scim_as("acme", &token, Method::Get, "/Users").json();
    assert_eq!(users["totalResults"], 0);
}

#[test]
fn a_large_org_is_deleted_in_chunks_over_several_requests() {
    let app = TestApp::new();
    seed_directory(&app, 7);
    let request = HttpRequest {
        method: Method::Delete,
        origin: "https://scim.example.com".into(),
        path: "/admin/orgs/acme".into(),
        query: String::new(),
        headers: vec![],
        body: vec![],
    };
    let runtime = Runtime {
        shards: &app.shards,
        dbs: std::slice::from_ref(&app.db),
        kv: &app.kv,
        now_ms: app.now_ms,
        admin_secret: Some(ADMIN_SECRET),
        rate_limiter: None,
        local_dev: true,
        caller_limit: None,
        documentation_uri: None,
        token_cache: None,
        bulk_max_statements: super::DEFAULT_BULK_MAX_STATEMENTS,
    };
    let limits = PurgeLimits {
        chunk: 3,
        max_rounds: 2,
    };
    let mut total = super::admin::Removed::default();
    let mut requests = 0;
    loop {
        let ctx = Ctx::new(&request, &runtime, None);
        let (removed, complete) =
            block_on(purge_org(&ctx, 0, "acme", limits, None, |_| None)).unwrap();
        // Each request: at most `max_rounds` delete batches and the final check.
        assert!(ctx.round_trips() <= 3);
        assert!(removed.user_emails <= 6 && removed.group_members <= 6);
        total.users += removed.users;
        total.user_emails += removed.user_emails;
        total.groups += removed.groups;
        total.group_members += removed.group_members;
        requests += 1;
        if complete {
            break;
        }
        assert!(requests < 10, "never completes");
    }
    assert_eq!(requests, 3);
    assert_eq!(
        (
            total.users,
            total.user_emails,
            total.groups,
            total.group_members
        ),
        (7, 14, 2, 14)
    );
    assert_eq!(rows_of(&app, "acme"), 0);
}
