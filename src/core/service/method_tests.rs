//! The method gate: every endpoint answers only its own methods; anything else (PROPFIND,
//! TRACE, a lower-case `patch`, ...) is a 405 naming the allowed ones, never a GET in disguise;
//! OPTIONS lists them; HEAD is GET without content.

use super::hostile_tests::{assert_scim_error, dump};
use super::test_app::TestApp;
use crate::core::http::Method;

/// Every SCIM endpoint of an org with the `Allow` value it must answer with.
fn endpoints(user: &str) -> Vec<(String, &'static str)> {
    vec![
        ("/ServiceProviderConfig".into(), "GET, HEAD, OPTIONS"),
        ("/ResourceTypes".into(), "GET, HEAD, OPTIONS"),
        ("/ResourceTypes/User".into(), "GET, HEAD, OPTIONS"),
        ("/Schemas".into(), "GET, HEAD, OPTIONS"),
        (
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User".into(),
            "GET, HEAD, OPTIONS",
        ),
        ("/Users".into(), "GET, HEAD, POST, OPTIONS"),
        ("/Groups".into(), "GET, HEAD, POST, OPTIONS"),
        ("/Users/.search".into(), "POST, OPTIONS"),
        ("/.search".into(), "POST, OPTIONS"),
        (
            format!("/Users/{user}"),
            "GET, HEAD, PUT, PATCH, DELETE, OPTIONS",
        ),
        (
            "/Groups/no-such-group".into(),
            "GET, HEAD, PUT, PATCH, DELETE, OPTIONS",
        ),
    ]
}

#[test]
fn unknown_methods_answer_405_with_allow_on_every_endpoint_and_change_nothing() {
    let app = TestApp::new();
    let user = app.create_user("alice");
    let before = dump(&app);
    for (path, allow) in endpoints(&user) {
        let reply = app.call(Method::Other, &path, None, vec![]);
        assert_scim_error(&reply, 405, None);
        assert_eq!(reply.header("allow"), Some(allow), "{path}");
    }
    assert_eq!(dump(&app), before);
}

#[test]
fn known_methods_an_endpoint_does_not_offer_answer_405_with_allow() {
    let app = TestApp::new();
    let user = app.create_user("alice");
    let before = dump(&app);
    for (method, path) in [
        (Method::Delete, "/Users".to_owned()),
        (Method::Put, "/Groups".to_owned()),
        (Method::Post, format!("/Users/{user}")),
        (Method::Get, "/Users/.search".to_owned()),
        (Method::Patch, "/Schemas".to_owned()),
        (Method::Post, "/ServiceProviderConfig".to_owned()),
    ] {
        let reply = app.call(method, &path, None, vec![]);
        assert_scim_error(&reply, 405, None);
        let allow = endpoints(&user)
            .into_iter()
            .find(|(p, _)| *p == path)
            .map(|(_, allow)| allow);
        assert_eq!(reply.header("allow"), allow, "{method:?} {path}");
    }
    // A HEAD answer never has content, a 405 included.
    let head = app.call(Method::Head, "/.search", None, vec![]);
    assert_eq!(
        (
            head.status,
            head.header("allow"),
            head.response.body.as_deref()
        ),
        (405, Some("POST, OPTIONS"), None)
    );
    assert_eq!(dump(&app), before);
}

#[test]
fn options_lists_the_allowed_methods_without_content() {
    let app = TestApp::new();
    let user = app.create_user("alice");
    for (path, allow) in endpoints(&user) {
        let reply = app.call(Method::Options, &path, None, vec![]);
        assert_eq!(reply.status, 204, "{path}");
        assert_eq!(reply.header("allow"), Some(allow), "{path}");
        assert_eq!(reply.response.body, None);
    }
    let health = app.raw(Method::Options, "/health", vec![], None);
    assert_eq!(
        (health.status, health.header("allow")),
        (204, Some("GET, HEAD, OPTIONS"))
    );
}

#[test]
fn head_answers_the_get_status_and_headers_without_content() {
    let app = TestApp::new();
    let user = app.create_user("alice");
    for path in [format!("/Users/{user}"), "/Users".into(), "/Schemas".into()] {
        let get = app.get(&path);
        let head = app.call(Method::Head, &path, None, vec![]);
        assert_eq!(head.status, 200, "{path}");
        assert_eq!(head.response.body, None, "{path}");
        assert_eq!(head.header("etag"), get.header("etag"), "{path}");
        assert_eq!(head.header("content-type"), get.header("content-type"));
    }
    let missing = app.call(Method::Head, "/Users/nobody", None, vec![]);
    assert_eq!((missing.status, missing.response.body), (404, None));
}

#[test]
fn unknown_paths_stay_404_whatever_the_method() {
    let app = TestApp::new();
    for method in [Method::Other, Method::Options, Method::Get, Method::Post] {
        let reply = app.call(method, "/Widgets", None, vec![]);
        assert_scim_error(&reply, 404, None);
        let reply = app.raw(method, "/nowhere", vec![], None);
        assert_scim_error(&reply, 404, None);
    }
}

#[test]
fn the_method_gate_runs_before_authentication() {
    // The allowed methods are public facts of the protocol: answering them costs no token
    // lookup, and an unauthenticated 405 reveals nothing about the org or the resource.
    let app = TestApp::new();
    let reply = app.raw(Method::Other, "/scim/v2/acme/Users/x", vec![], None);
    assert_scim_error(&reply, 405, None);
    let reply = app.raw(Method::Get, "/scim/v2/acme/Users/x", vec![], None);
    assert_scim_error(&reply, 401, None);
}

#[test]
fn health_refuses_writes() {
    let app = TestApp::new();
    let reply = app.raw(Method::Post, "/health", vec![], Some("{}"));
    assert_scim_error(&reply, 405, None);
    assert_eq!(reply.header("allow"), Some("GET, HEAD, OPTIONS"));
    let head = app.raw(Method::Head, "/health", vec![], None);
    assert_eq!((head.status, head.response.body), (200, None));
}
