//! Bearer-token authentication: every way to fail answers the same SCIM 401.

use crate::helpers::{base_url, make_token, send, TestApp};

fn assert_unauthorized(reply: &crate::helpers::Reply) {
    let body = reply.scim_error(401);
    assert!(
        reply
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer")),
        "WWW-Authenticate: {:?}",
        reply.header("www-authenticate")
    );
    assert!(body.get("scimType").is_none());
}

#[test]
fn request_without_authorization_header_is_401() {
    let app = TestApp::new();
    assert_unauthorized(&send("GET", &app.url("/ServiceProviderConfig"), &[], None));
}

#[test]
fn request_with_basic_scheme_is_401() {
    let app = TestApp::new();
    let basic = format!("Basic {}", app.token);
    assert_unauthorized(&send(
        "GET",
        &app.url("/Users"),
        &[("authorization", &basic)],
        None,
    ));
}

#[test]
fn request_with_token_alone_without_scheme_is_401() {
    let app = TestApp::new();
    assert_unauthorized(&send(
        "GET",
        &app.url("/Users"),
        &[("authorization", &app.token)],
        None,
    ));
}

#[test]
fn request_with_wrong_token_is_401() {
    let app = TestApp::new();
    let wrong = "Bearer scim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_unauthorized(&send(
        "GET",
        &app.url("/Users"),
        &[("authorization", wrong)],
        None,
    ));
}

#[test]
fn another_orgs_token_is_401() {
    let a = TestApp::new();
    let b = TestApp::new();
    assert_unauthorized(&send(
        "GET",
        &b.url("/Users"),
        &[("authorization", &a.auth())],
        None,
    ));
}

#[test]
fn unknown_org_answers_exactly_like_a_wrong_token() {
    let app = TestApp::new();
    // One cf-ray for both, so their request ids (which end each detail) are equal too.
    let ray = ("cf-ray", "8c1a2b3c4d5e6f70-AMS");
    let unknown = send(
        "GET",
        &format!("{}/scim/v2/no-such-org-xyz/Users", base_url()),
        &[("authorization", &app.auth()), ray],
        None,
    );
    let wrong = send(
        "GET",
        &app.url("/Users"),
        &[
            (
                "authorization",
                "Bearer scim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ),
            ray,
        ],
        None,
    );
    assert_unauthorized(&unknown);
    assert_eq!(unknown.text, wrong.text);
}

#[test]
fn bad_org_name_is_a_scim_404() {
    let app = TestApp::new();
    for org in ["-bad", "a%20b", "x".repeat(65).as_str(), "%C3%A9"] {
        let reply = send(
            "GET",
            &format!("{}/scim/v2/{org}/Users", base_url()),
            &[("authorization", &app.auth())],
            None,
        );
        reply.scim_error(404);
    }
}

#[test]
fn lower_case_bearer_scheme_is_accepted() {
    let app = TestApp::new();
    let header = format!("bearer {}", app.token);
    let reply = send(
        "GET",
        &app.url("/ServiceProviderConfig"),
        &[("authorization", &header)],
        None,
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[test]
fn new_token_made_in_kv_replaces_the_old_one_within_the_token_cache_lifetime() {
    let app = TestApp::new();
    assert_eq!(app.get("/ServiceProviderConfig").status, 200);
    let new_token = make_token(&app.org);
    assert!(new_token.starts_with("scim_"), "{new_token}");
    assert_ne!(new_token, app.token);
    // `make token` writes KV directly, past the admin API: an isolate that verified the old
    // token keeps it for up to 30 s (docs/scaling.md, "Token cache"), then refuses it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(35);
    let old = loop {
        let old = app.get("/ServiceProviderConfig");
        if old.status != 200 || std::time::Instant::now() > deadline {
            break old;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    };
    assert_unauthorized(&old);
    let new_auth = format!("Bearer {new_token}");
    let new = send(
        "GET",
        &app.url("/ServiceProviderConfig"),
        &[("authorization", &new_auth)],
        None,
    );
    assert_eq!(new.status, 200, "{}", new.text);
}

#[test]
fn health_needs_no_token() {
    let reply = send("GET", &format!("{}/health", base_url()), &[], None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["status"], "ok");
}

/// A flood of bad tokens from one address meets the failed-authentication budget (30 per
/// minute in wrangler.toml); the org's own IdP, from another address, is still served, and the
/// flooding address is refused even with the right token until the window ends.
#[test]
fn bad_tokens_from_one_address_are_limited_without_starving_the_org() {
    let app = TestApp::new();
    let flooder = "203.0.113.66";
    let bad = |ip: &str| {
        send(
            "GET",
            &app.url("/Users"),
            &[
                ("authorization", "Bearer not-the-token"),
                ("cf-connecting-ip", ip),
            ],
            None,
        )
    };
    let mut statuses = Vec::new();
    // Up to two windows' worth: the simulated counter may roll over mid-flood.
    for _ in 0..70 {
        let reply = bad(flooder);
        statuses.push(reply.status);
        if reply.status == 429 {
            reply.scim_error(429);
            assert_eq!(reply.header("retry-after"), Some("60"));
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(statuses[..statuses.len() - 1].iter().all(|s| *s == 401));
    assert!(statuses.len() > 25, "limited too early: {statuses:?}");
    let with_token = |ip: &str| {
        send(
            "GET",
            &app.url("/Users"),
            &[("authorization", &app.auth()), ("cf-connecting-ip", ip)],
            None,
        )
    };
    assert_eq!(with_token(flooder).status, 429);
    assert_eq!(with_token("198.51.100.9").status, 200);
    assert_eq!(app.get("/Users").status, 200);
}
