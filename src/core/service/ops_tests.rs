//! Operations-facing behaviour of the handler: request ids in header, log and error detail; a
//! tenant URL without its org; the configured `documentationUri`.

use super::test_app::{TestApp, DOCUMENTATION_URI};
use crate::core::http::Method;

#[test]
fn the_request_id_is_in_the_header_the_log_and_at_the_end_of_an_error_detail() {
    let app = TestApp::new();
    let reply = app.call(
        Method::Get,
        "/Users/nobody",
        None,
        vec![("cf-ray", "8c1a2b3c4d5e6f70-LHR")],
    );
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("x-request-id"), Some("8c1a2b3c4d5e6f70-LHR"));
    assert_eq!(reply.log.request_id, "8c1a2b3c4d5e6f70-LHR");
    let detail = reply.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.ends_with(". Request id: 8c1a2b3c4d5e6f70-LHR"),
        "{detail}"
    );
}

#[test]
fn without_cf_ray_each_request_gets_its_own_random_id_also_on_success() {
    let app = TestApp::new();
    let first = app.get("/Users");
    let second = app.get("/Users");
    assert_eq!((first.status, second.status), (200, 200));
    let id = first.header("x-request-id").unwrap();
    assert_eq!(id, first.log.request_id);
    assert_eq!(id.len(), 16);
    assert_ne!(id, second.header("x-request-id").unwrap());
}

#[test]
fn refusals_before_storage_carry_the_id_too() {
    let app = TestApp::new();
    let unauthenticated = app.raw(Method::Get, "/scim/v2/acme/Users", vec![], None);
    assert_eq!(unauthenticated.status, 401);
    let detail = unauthenticated.json()["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.ends_with(&unauthenticated.log.request_id),
        "{detail}"
    );
    let unknown = app.raw(Method::Get, "/nowhere", vec![], None);
    assert!(unknown.header("x-request-id").is_some());
}

#[test]
fn a_tenant_url_without_its_org_is_a_404_that_names_the_mistake_not_a_401() {
    let app = TestApp::new();
    for path in ["/scim/v2/Users", "/scim/v2/Users/abc", "/scim/v2/groups/"] {
        let auth = format!("Bearer {}", app.token);
        let reply = app.raw(Method::Get, path, vec![("authorization", &auth)], None);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.log.route, "missing-org");
        assert_eq!(reply.log.d1_round_trips, 0);
        let detail = reply.json()["detail"].as_str().unwrap().to_owned();
        assert!(
            detail.starts_with("This URL has no org:")
                && detail.contains("https://scim.example.com/scim/v2/{org}"),
            "{detail}"
        );
    }
}

#[test]
fn documentation_uri_is_the_configured_one() {
    let app = TestApp::new();
    let config = app.get("/ServiceProviderConfig").json();
    assert_eq!(config["documentationUri"], DOCUMENTATION_URI);
}
