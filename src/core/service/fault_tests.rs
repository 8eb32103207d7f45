//! Faults and hygiene: a D1 failure in the middle of any multi-statement write leaves no
//! partial state and answers a bare SCIM 500 (the cause goes to the log notes only); the
//! per-org rate limit; tokens never reach logs or bodies.

use super::hostile_tests::{assert_scim_error, dump};
use super::test_app::{Reply, TestApp};
use super::CallerLimit;
use crate::core::http::Method;
use crate::core::rate_limit::doubles::{BrokenLimiter, CountingLimiter};
use crate::core::rate_limit::{AUTH_FAILURE_PERIOD_SECS, RATE_LIMIT_PERIOD_SECS};
use crate::core::refused_callers::RefusedCallers;
use serde_json::{json, Value};

/// An app with users alice and bob, a group "Staff" holding alice, and their ids.
struct World {
    app: TestApp,
    alice: String,
    bob: String,
    staff: String,
}

fn world() -> World {
    let app = TestApp::new();
    let alice = app.create_user("alice");
    let reply = app.post(
        "/Users",
        &json!({"userName": "bob", "emails": [{"value": "bob@example.com", "primary": true}]}),
    );
    assert_eq!(reply.status, 201);
    let bob = reply.json()["id"].as_str().unwrap().to_owned();
    let reply = app.post(
        "/Groups",
        &json!({"displayName": "Staff", "members": [{"value": alice}]}),
    );
    assert_eq!(reply.status, 201);
    let staff = reply.json()["id"].as_str().unwrap().to_owned();
    World {
        app,
        alice,
        bob,
        staff,
    }
}

/// Runs `op` once per batch it sends, on a fresh world each time, with that batch failing
/// after its first statement. Whenever the failure hit (a multi-statement batch), the answer
/// must be a bare SCIM 500 and the database exactly as before; the log notes carry the cause.
/// Returns how many batches were failed, which must be at least one.
#[track_caller]
fn atomic_under_faults(name: &str, op: impl Fn(&World) -> Reply) -> usize {
    let mut injected = 0;
    for k in 0.. {
        let w = world();
        let start = *w.app.db.batches.borrow();
        let before = dump(&w.app);
        *w.app.db.fail_batch.borrow_mut() = Some(start + k);
        let reply = op(&w);
        let sent = *w.app.db.batches.borrow() - start;
        if reply.status == 500 {
            injected += 1;
            assert_scim_error(&reply, 500, None);
            // The random request id is hex and may spell "d1": it is not what is checked.
            let body = (reply.response.body.clone().unwrap_or_default())
                .replace(&reply.log.request_id, "<request id>");
            for secret in [
                "injected", "SELECT", "INSERT", "UPDATE", "DELETE", "d1", "sql",
            ] {
                assert!(
                    !body.contains(secret),
                    "{name}: body reveals {secret}: {body}"
                );
            }
            assert_eq!(
                reply.json()["detail"],
                format!(
                    "The service failed to complete the request. Try again later. Request id: {}",
                    reply.log.request_id
                )
            );
            assert!(
                reply
                    .log
                    .notes
                    .iter()
                    .any(|n| n.contains("injected failure")),
                "{name}: the cause is not in the log notes: {:?}",
                reply.log.notes
            );
            assert_eq!(reply.log.status, 500);
            assert_eq!(
                dump(&w.app),
                before,
                "{name}: partial write after batch {k}"
            );
        } else {
            assert!(
                reply.status < 300,
                "{name}: {} {:?}",
                reply.status,
                reply.response.body
            );
        }
        if sent <= k {
            break;
        }
    }
    assert!(injected > 0, "{name}: no multi-statement batch to fail");
    injected
}

fn patch_body(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

#[test]
fn user_writes_are_all_or_nothing_when_d1_fails_midway() {
    atomic_under_faults("POST /Users", |w| {
        w.app.post(
            "/Users",
            &json!({"userName": "carol", "emails": [{"value": "c@example.com"}, {"value": "c2@example.com"}]}),
        )
    });
    atomic_under_faults("PUT /Users", |w| {
        w.app.put(
            &format!("/Users/{}", w.bob),
            &json!({"userName": "robert", "emails": [{"value": "robert@example.com"}]}),
        )
    });
    atomic_under_faults("PATCH /Users", |w| {
        w.app.patch(
            &format!("/Users/{}", w.bob),
            &patch_body(json!([
                {"op": "replace", "path": "userName", "value": "bobby"},
                {"op": "add", "path": "emails", "value": [{"value": "b2@example.com"}]},
                {"op": "replace", "path": "active", "value": false}])),
        )
    });
    atomic_under_faults("DELETE /Users (member of a group)", |w| {
        w.app.delete(&format!("/Users/{}", w.alice))
    });
}

#[test]
fn group_writes_are_all_or_nothing_when_d1_fails_midway() {
    atomic_under_faults("POST /Groups with members", |w| {
        w.app.post(
            "/Groups",
            &json!({"displayName": "Ops", "members": [{"value": w.alice}, {"value": w.bob}]}),
        )
    });
    atomic_under_faults("PUT /Groups with members", |w| {
        w.app.put(
            &format!("/Groups/{}", w.staff),
            &json!({"displayName": "Staff 2", "members": [{"value": w.bob}]}),
        )
    });
    atomic_under_faults("PATCH /Groups members", |w| {
        w.app.patch(
            &format!("/Groups/{}", w.staff),
            &patch_body(json!([
                {"op": "add", "path": "members", "value": [{"value": w.bob}]},
                {"op": "remove", "path": format!("members[value eq \"{}\"]", w.alice)},
                {"op": "replace", "path": "displayName", "value": "Staff renamed"}])),
        )
    });
    atomic_under_faults("PATCH /Groups replace all members", |w| {
        w.app.patch(
            &format!("/Groups/{}", w.staff),
            &patch_body(json!([{"op": "replace", "path": "members", "value": [{"value": w.bob}]}])),
        )
    });
    atomic_under_faults("DELETE /Groups", |w| {
        w.app.delete(&format!("/Groups/{}", w.staff))
    });
}

#[test]
fn an_org_over_its_limit_is_429_with_retry_after_before_storage() {
    let app = TestApp::new();
    let limiter = CountingLimiter::new(2);
    let path = format!("/scim/v2/{}/Users", app.org);
    let auth = format!("Bearer {}", app.token);
    let send = |auth: &str| {
        app.raw_bytes(
            Method::Get,
            &path,
            vec![("authorization", auth)],
            b"",
            Some(&limiter),
        )
    };
    assert_eq!(send(&auth).status, 200);
    // Without the token nobody spends the org's budget: the org limit counts only
    // authenticated requests.
    for _ in 0..5 {
        assert_eq!(send("Bearer wrong").status, 401);
    }
    assert_eq!(send(&auth).status, 200);
    let batches = *app.db.batches.borrow();
    let refused = send(&auth);
    assert_scim_error(&refused, 429, None);
    let retry = RATE_LIMIT_PERIOD_SECS.to_string();
    assert_eq!(refused.header("retry-after"), Some(retry.as_str()));
    assert_eq!(
        *app.db.batches.borrow(),
        batches,
        "a refused request reached D1"
    );
    assert_eq!(refused.log.status, 429);
    assert_eq!(refused.log.org.as_deref(), Some("acme"));
    assert!(refused.log.notes.iter().any(|n| n == "rate limited"));
    assert_eq!(refused.log.d1_round_trips, 0);
    assert_eq!(limiter.seen.borrow().as_slice(), ["org:acme"; 3]);
    // Another org has its own budget; invalid org names never reach the limiter.
    let other = app.with_org("globex");
    let reply = other.raw_bytes(
        Method::Get,
        "/scim/v2/globex/Users",
        vec![("authorization", &format!("Bearer {}", other.token))],
        b"",
        Some(&limiter),
    );
    assert_eq!(reply.status, 200);
    let reply = other.raw_bytes(
        Method::Get,
        "/scim/v2/-bad/Users",
        vec![],
        b"",
        Some(&limiter),
    );
    assert_eq!(reply.status, 404);
    let reply = other.raw_bytes(Method::Get, "/health", vec![], b"", Some(&limiter));
    assert_eq!(reply.status, 200);
    assert_eq!(limiter.seen.borrow().len(), 4);
}

/// A KV that counts reads, to see which requests reach the token lookup.
fn kv_reads(app: &TestApp) -> usize {
    app.kv.reads.get()
}

#[test]
fn failed_authentications_count_against_the_caller_and_a_refused_caller_skips_kv() {
    let app = TestApp::new();
    let org_limiter = CountingLimiter::new(1000);
    let caller_limiter = CountingLimiter::with_period(3, AUTH_FAILURE_PERIOD_SECS);
    let refused = RefusedCallers::new();
    let limit = CallerLimit {
        limiter: &caller_limiter,
        refused: &refused,
    };
    let path = format!("/scim/v2/{}/Users", app.org);
    let good = format!("Bearer {}", app.token);
    let send = |auth: &str, ip: &str| {
        app.limited(
            Method::Get,
            &path,
            vec![("authorization", auth), ("cf-connecting-ip", ip)],
            b"",
            Some(&org_limiter),
            Some(limit),
        )
    };
    // Successes never count against the caller.
    for _ in 0..5 {
        assert_eq!(send(&good, "203.0.113.7").status, 200);
    }
    assert!(caller_limiter.seen.borrow().is_empty());
    // Every kind of failure counts: bad token, no header, wrong scheme.
    assert_eq!(send("Bearer wrong", "203.0.113.7").status, 401);
    assert_eq!(send("", "203.0.113.7").status, 401);
    assert_eq!(send("Basic abc", "203.0.113.7").status, 401);
    // The fourth failure is over the budget: 429 with the window as the retry hint.
    let limited = send("Bearer wrong", "203.0.113.7");
    assert_scim_error(&limited, 429, None);
    let retry = AUTH_FAILURE_PERIOD_SECS.to_string();
    assert_eq!(limited.header("retry-after"), Some(retry.as_str()));
    assert_eq!(
        caller_limiter.seen.borrow().as_slice(),
        ["caller:203.0.113.7"; 4]
    );
    // From now on the caller is refused before the KV lookup, good token or not, and
    // without spending the org's budget or the limiter's.
    let reads = kv_reads(&app);
    let org_seen = org_limiter.seen.borrow().len();
    for auth in ["Bearer wrong-again", good.as_str()] {
        let reply = send(auth, "203.0.113.7");
        assert_scim_error(&reply, 429, None);
        assert!(reply
            .log
            .notes
            .iter()
            .any(|n| n.contains("too many failed authentications")));
    }
    assert_eq!(kv_reads(&app), reads, "a refused caller reached KV");
    assert_eq!(org_limiter.seen.borrow().len(), org_seen);
    assert_eq!(caller_limiter.seen.borrow().len(), 4);
    // Another caller, and the org itself, are served.
    assert_eq!(send(&good, "198.51.100.2").status, 200);
    // After the window the caller is heard again.
    let mut later = app;
    later.now_ms += u64::from(AUTH_FAILURE_PERIOD_SECS) * 1000;
    let reply = later.limited(
        Method::Get,
        &path,
        vec![
            ("authorization", &good),
            ("cf-connecting-ip", "203.0.113.7"),
        ],
        b"",
        Some(&org_limiter),
        Some(limit),
    );
    assert_eq!(reply.status, 200);
}

#[test]
fn a_caller_without_an_address_shares_one_budget_that_header_junk_cannot_escape() {
    let app = TestApp::new();
    let caller_limiter = CountingLimiter::with_period(1, AUTH_FAILURE_PERIOD_SECS);
    let refused = RefusedCallers::new();
    let limit = CallerLimit {
        limiter: &caller_limiter,
        refused: &refused,
    };
    let path = format!("/scim/v2/{}/Users", app.org);
    let statuses: Vec<u16> = [None, Some("not an address"), Some("")]
        .into_iter()
        .map(|ip| {
            let mut headers = vec![("authorization", "Bearer wrong")];
            headers.extend(ip.map(|ip| ("cf-connecting-ip", ip)));
            app.limited(Method::Get, &path, headers, b"", None, Some(limit))
                .status
        })
        .collect();
    assert_eq!(statuses, [401, 429, 429]);
}

#[test]
fn a_failing_caller_limiter_lets_failures_answer_401() {
    let app = TestApp::new();
    let refused = RefusedCallers::new();
    let reply = app.limited(
        Method::Get,
        &format!("/scim/v2/{}/Users", app.org),
        vec![("authorization", "Bearer wrong")],
        b"",
        None,
        Some(CallerLimit {
            limiter: &BrokenLimiter,
            refused: &refused,
        }),
    );
    assert_scim_error(&reply, 401, None);
    assert!(reply
        .log
        .notes
        .iter()
        .any(|n| n.starts_with("failed-authentication limiter unavailable")));
}

#[test]
fn a_failing_limiter_lets_requests_through_and_says_so_in_the_log() {
    let app = TestApp::new();
    let reply = app.raw_bytes(
        Method::Get,
        &format!("/scim/v2/{}/Users", app.org),
        vec![("authorization", &format!("Bearer {}", app.token))],
        b"",
        Some(&BrokenLimiter),
    );
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .log
            .notes
            .iter()
            .any(|n| n.starts_with("rate limiter unavailable")),
        "{:?}",
        reply.log.notes
    );
}

/// Everything a request leaves behind that someone other than the client can read.
fn visible(reply: &Reply) -> String {
    format!(
        "{:?} {:?} {:?} {}",
        reply.log, reply.response.headers, reply.response.body, reply.log.route
    )
}

#[test]
fn tokens_never_appear_in_logs_or_error_bodies() {
    let w = world();
    let app = &w.app;
    let good = format!("Bearer {}", app.token);
    let stolen = "scim_live_0123456789abcdefghijklmnopqrstuv";
    let bad = format!("Bearer {stolen}");
    let base = format!("/scim/v2/{}", app.org);
    let json_ct = ("content-type", "application/scim+json");
    type Case<'a> = (Method, String, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            Method::Get,
            format!("{base}/Users"),
            vec![("authorization", &good)],
            "",
        ),
        (
            Method::Get,
            format!("{base}/Users"),
            vec![("authorization", &bad)],
            "",
        ),
        (
            Method::Get,
            format!("{base}/Users"),
            vec![("authorization", stolen)],
            "",
        ),
        (
            Method::Get,
            "/scim/v2/globex/Users".to_owned(),
            vec![("authorization", &good)],
            "",
        ),
        (
            Method::Post,
            format!("{base}/Users"),
            vec![("authorization", &good), json_ct],
            "{",
        ),
        (
            Method::Post,
            format!("{base}/Users"),
            vec![("authorization", &good), json_ct],
            r#"{"userName": 1}"#,
        ),
        (
            Method::Get,
            format!("{base}/Users?filter=userName%20eq"),
            vec![("authorization", &good)],
            "",
        ),
        (
            Method::Get,
            format!("{base}/Users/nope"),
            vec![("authorization", &good)],
            "",
        ),
        (
            Method::Delete,
            format!("{base}/Users/{}", w.bob),
            vec![("authorization", &good)],
            "",
        ),
    ];
    for (method, path, headers, body) in cases {
        let reply = app.raw(method, &path, headers, Some(body));
        let seen = visible(&reply);
        assert!(
            !seen.contains(&app.token),
            "{path}: the token leaked: {seen}"
        );
        assert!(
            !seen.contains(stolen),
            "{path}: the presented token leaked: {seen}"
        );
    }
    // And the same with a failing D1 write, whose notes carry the storage error.
    *app.db.fail_batch.borrow_mut() = Some(*app.db.batches.borrow() + 1);
    let reply = app.put(
        &format!("/Users/{}", w.alice),
        &json!({"userName": "alice2", "emails": [{"value": "a@example.com"}]}),
    );
    assert_eq!(reply.status, 500);
    assert!(!visible(&reply).contains(&app.token));
}

#[test]
fn every_request_log_names_org_method_route_status_and_round_trips() {
    let w = world();
    let reply = w.app.get(&format!("/Users/{}", w.alice));
    assert_eq!(reply.log.org.as_deref(), Some("acme"));
    assert_eq!(reply.log.method, "GET");
    assert_eq!(reply.log.route, "Users/{id}");
    assert_eq!(reply.log.status, 200);
    assert_eq!(reply.log.d1_round_trips, 1);
    // The route is the template, never the id or the query (which may carry a filter value).
    let reply = w
        .app
        .get("/Users?filter=userName%20eq%20%22secret-value%22");
    assert_eq!(reply.log.route, "Users");
    assert!(!format!("{:?}", reply.log).contains("secret-value"));
}

#[test]
fn wrong_admin_secrets_spend_the_callers_failed_authentication_budget() {
    let app = TestApp::new();
    let caller_limiter = CountingLimiter::with_period(2, AUTH_FAILURE_PERIOD_SECS);
    let refused = RefusedCallers::new();
    let limit = CallerLimit {
        limiter: &caller_limiter,
        refused: &refused,
    };
    let send = |secret: &str| {
        let auth = format!("Bearer {secret}");
        app.limited(
            Method::Get,
            "/admin/orgs/acme/token",
            vec![("authorization", &auth), ("cf-connecting-ip", "192.0.2.1")],
            b"",
            None,
            Some(limit),
        )
    };
    let good = super::test_app::ADMIN_SECRET;
    assert_eq!(send(good).status, 200);
    assert_eq!(send("guess-1").status, 401);
    assert_eq!(send("guess-2").status, 401);
    assert_scim_error(&send("guess-3"), 429, None);
    // Refused now, the right secret included, without another count.
    assert_scim_error(&send(good), 429, None);
    assert_eq!(caller_limiter.seen.borrow().len(), 3);
}
