//! Hostile input against the running worker: what the native hostile tests prove through the
//! core, checked once more through the Workers glue (body reading, Content-Length, the
//! rate-limiting binding under wrangler dev).

use crate::helpers::{send, Reply, TestApp};
use serde_json::json;
use std::io::Cursor;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Matches `core::http::MAX_BODY_BYTES`.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Sends raw bytes; `chunked` sends them without Content-Length.
fn send_bytes(app: &TestApp, method: &str, path: &str, body: &[u8], chunked: bool) -> Reply {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let request = agent
        .request(method, &app.url(path))
        .set("authorization", &app.auth())
        .set("content-type", "application/scim+json");
    let result = if chunked {
        request.send(Cursor::new(body.to_vec()))
    } else {
        request.send_bytes(body)
    };
    let response = match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {path}: {e}"),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|n| {
            response
                .header(&n)
                .map(|v| (n.to_ascii_lowercase(), v.to_owned()))
        })
        .collect();
    Reply {
        status,
        headers,
        text: response.into_string().unwrap_or_default(),
    }
}

fn user_count(app: &TestApp) -> u64 {
    let reply = app.get("/Users?count=0");
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["totalResults"].as_u64().unwrap()
}

#[test]
fn malformed_bodies_are_scim_400s_and_write_nothing() {
    let app = TestApp::new();
    for (body, scim_type) in [
        (&b"{\"userName\":"[..], "invalidSyntax"),
        (
            &b"{\"userName\":\"a\",\"userName\":\"b\"}"[..],
            "invalidSyntax",
        ),
        (&b"{\"userName\":\"\xff\xfe\"}"[..], "invalidSyntax"),
        (&b"{\"userName\":\"\\ud800\"}"[..], "invalidSyntax"),
        (&b"{\"userName\":42}"[..], "invalidValue"),
    ] {
        let reply = send_bytes(&app, "POST", "/Users", body, false);
        let err = reply.scim_error(400);
        assert_eq!(
            err["scimType"],
            scim_type,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    let deep = format!(
        "{{\"userName\":\"a\",\"x\":{}{}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let err = send_bytes(&app, "POST", "/Users", deep.as_bytes(), false).scim_error(400);
    assert_eq!(err["scimType"], "invalidSyntax");
    let long = json!({"userName": "x".repeat(8 * 1024 + 1)});
    let err = app.post("/Users", &long).scim_error(400);
    assert_eq!(err["scimType"], "invalidValue");
    assert_eq!(user_count(&app), 0);
}

#[test]
fn bodies_over_the_limit_are_413_with_or_without_content_length() {
    let app = TestApp::new();
    let body = format!(
        "{{\"userName\":\"big\",\"title\":\"{}\"}}",
        "x".repeat(MAX_BODY_BYTES)
    );
    // Content-Length over the limit: refused by the glue before the body is read.
    send_bytes(&app, "POST", "/Users", body.as_bytes(), false).scim_error(413);
    // Chunked, no Content-Length: the core checks the length it read.
    send_bytes(&app, "POST", "/Users", body.as_bytes(), true).scim_error(413);
    assert_eq!(user_count(&app), 0);
}

#[test]
fn other_content_types_are_415() {
    let app = TestApp::new();
    let reply = send(
        "POST",
        &app.url("/Users"),
        &[
            ("authorization", &app.auth()),
            ("content-type", "text/plain"),
        ],
        Some("{\"userName\":\"mallory\"}"),
    );
    reply.scim_error(415);
    assert_eq!(user_count(&app), 0);
}

#[test]
fn filter_injection_attempts_match_literally() {
    let app = TestApp::new();
    for name in ["o'brien", "100%", "100x", "a_b", "axb", "semi;colon--"] {
        assert_eq!(app.post("/Users", &json!({"userName": name})).status, 201);
    }
    for (filter, expected) in [
        ("userName co \"%\"", vec!["100%"]),
        ("userName sw \"a_\"", vec!["a_b"]),
        ("userName eq \"o'brien\"", vec!["o'brien"]),
        ("userName eq \"x' OR '1'='1\"", vec![]),
        ("userName co \";\"", vec!["semi;colon--"]),
    ] {
        let query = filter
            .replace('%', "%25")
            .replace(' ', "%20")
            .replace('"', "%22");
        let reply = app.get(&format!("/Users?filter={}", query.replace(';', "%3B")));
        assert_eq!(reply.status, 200, "{filter}: {}", reply.text);
        let found: Vec<String> = reply.json()["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(found, expected, "{filter}");
    }
    let err = app
        .get(&format!("/Users?filter={}", "(".repeat(40)))
        .scim_error(400);
    assert_eq!(err["scimType"], "invalidFilter");
    let err = app.get("/Users?startIndex=abc").scim_error(400);
    assert_eq!(err["scimType"], "invalidValue");
    assert_eq!(app.get("/Users?startIndex=-4&count=-1").status, 200);
    assert_eq!(user_count(&app), 6);
}

/// Floods one org until the binding refuses (bounded in count and time), then checks the 429
/// and that another org is still served.
#[test]
fn an_org_over_its_rate_limit_gets_429_with_retry_after() {
    let app = TestApp::new();
    let other = TestApp::new();
    let sent = AtomicUsize::new(0);
    let limited = AtomicBool::new(false);
    let refusal = std::sync::Mutex::new(None::<Reply>);
    let deadline = Instant::now() + Duration::from_secs(40);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                while !limited.load(Ordering::SeqCst)
                    && sent.fetch_add(1, Ordering::SeqCst) < 4000
                    && Instant::now() < deadline
                {
                    let reply = app.get("/ServiceProviderConfig");
                    if reply.status == 429 {
                        limited.store(true, Ordering::SeqCst);
                        *refusal.lock().unwrap() = Some(reply);
                    } else {
                        assert_eq!(reply.status, 200, "{}", reply.text);
                    }
                }
            });
        }
    });
    let reply = refusal
        .into_inner()
        .unwrap()
        .expect("no 429 after 4,000 requests: is the RATE_LIMITER binding configured?");
    reply.scim_error(429);
    assert_eq!(reply.header("retry-after"), Some("10"));
    assert_eq!(other.get("/ServiceProviderConfig").status, 200);
}
