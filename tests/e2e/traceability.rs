//! Request ids end to end: every answer carries `x-request-id`, Cloudflare's `cf-ray` is used
//! when the request has one, and a tenant URL without its org is a 404 that says so.

use crate::helpers::{base_url, send, TestApp};

#[test]
fn every_answer_carries_a_request_id_and_each_request_its_own() {
    let app = TestApp::new();
    let first = app.get("/Users");
    let second = app.get("/Users");
    assert_eq!((first.status, second.status), (200, 200));
    let (a, b) = (
        first.header("x-request-id").expect("x-request-id"),
        second.header("x-request-id").expect("x-request-id"),
    );
    assert!(!a.is_empty());
    assert_ne!(a, b);
    let health = send("GET", &format!("{}/health", base_url()), &[], None);
    assert!(health.header("x-request-id").is_some());
}

#[test]
fn the_cf_ray_of_a_request_is_its_id_in_the_header_and_the_error_detail() {
    let app = TestApp::new();
    let auth = app.auth();
    let reply = send(
        "GET",
        &app.url("/Users/no-such-user"),
        &[("authorization", &auth), ("cf-ray", "8c1a2b3c4d5e6f70-LHR")],
        None,
    );
    assert_eq!(reply.header("x-request-id"), Some("8c1a2b3c4d5e6f70-LHR"));
    let body = reply.scim_error(404);
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .ends_with("Request id: 8c1a2b3c4d5e6f70-LHR"));
}

#[test]
fn a_tenant_url_without_the_org_is_a_404_naming_the_mistake() {
    for path in [
        "/scim/v2/Users",
        "/scim/v2/Groups/abc",
        "/scim/v2/users?filter=x",
    ] {
        let reply = send("GET", &format!("{}{path}", base_url()), &[], None);
        let body = reply.scim_error(404);
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains("This URL has no org"), "{path}: {detail}");
        assert!(detail.contains("/scim/v2/{org}"), "{path}: {detail}");
    }
}
