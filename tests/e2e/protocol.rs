//! Protocol skeleton: error body shape, unknown endpoints and methods, content types, and
//! query parameters the IdPs add.

use crate::helpers::{base_url, send, TestApp};

#[test]
fn unknown_endpoint_is_a_scim_404() {
    let app = TestApp::new();
    let body = app.get("/Widgets").scim_error(404);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[test]
fn unknown_path_outside_scim_is_a_scim_404() {
    let reply = send("GET", &format!("{}/nothing/here", base_url()), &[], None);
    reply.scim_error(404);
}

#[test]
fn me_is_not_implemented_501_and_an_empty_bulk_is_400() {
    let app = TestApp::new();
    app.get("/Me").scim_error(501);
    app.post("/Bulk", &serde_json::json!({})).scim_error(400);
}

#[test]
fn wrong_method_on_discovery_is_405() {
    let app = TestApp::new();
    app.post("/ServiceProviderConfig", &serde_json::json!({}))
        .scim_error(405);
}

#[test]
fn trailing_slash_and_entra_flag_are_tolerated() {
    let app = TestApp::new();
    let reply = app.get("/ServiceProviderConfig/?aadOptscim062020");
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/scim+json")));
}

#[test]
fn responses_carry_d1_round_trips_in_server_timing() {
    let app = TestApp::new();
    let reply = app.get("/ServiceProviderConfig");
    assert_eq!(reply.header("server-timing"), Some("d1;desc=\"queries=0\""));
}
