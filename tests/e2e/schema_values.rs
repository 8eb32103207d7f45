//! Values the schema forbids, sent over the wire as real clients send them (JSON `\u0000`
//! escapes, a lone object for a list, unknown `schemas` URNs), and PATCH on a whole extension.

use crate::helpers::{patch_body, TestApp, ENTERPRISE, USER_SCHEMA};
use serde_json::json;

#[test]
fn escaped_control_characters_are_refused_and_nothing_is_stored() {
    let app = TestApp::new();
    // The escape as the client writes it on the wire, not a raw byte.
    let reply = crate::helpers::send(
        "POST",
        &app.url("/Users"),
        &[
            ("authorization", &app.auth()),
            ("content-type", "application/scim+json"),
        ],
        Some(r#"{"userName":"bob\u0000admin"}"#),
    );
    let body = reply.scim_error(400);
    assert_eq!(body["scimType"], "invalidValue");
    assert!(
        body["detail"].as_str().unwrap().contains("'userName'"),
        "{body}"
    );
    let id = app.create_user_id("alice");
    let reply = app.patch(
        &format!("/Users/{id}"),
        &patch_body(json!([{"op": "replace", "path": "displayName", "value": "A\u{0}"}])),
    );
    assert_eq!(reply.scim_error(400)["scimType"], "invalidValue");
    let group = app.post("/Groups", &json!({"displayName": "Ops\u{1b}"}));
    assert_eq!(group.scim_error(400)["scimType"], "invalidValue");
    assert_eq!(app.get_ok("/Users")["totalResults"], 1);
    assert_eq!(app.get_ok("/Groups")["totalResults"], 0);
}

#[test]
fn shapes_and_schemas_the_schema_does_not_allow_are_refused() {
    let app = TestApp::new();
    for body in [
        json!({"schemas": [USER_SCHEMA], "userName": "bob", "emails": {"value": "b@example.com"}}),
        json!({"schemas": [USER_SCHEMA], "userName": ["bob"]}),
        json!({"schemas": [USER_SCHEMA, "urn:example:unknown:2.0:User"], "userName": "bob"}),
        json!({"schemas": [USER_SCHEMA], "userName": "bob", ENTERPRISE: {"department": "X"}}),
    ] {
        let reply = app.post("/Users", &body);
        assert_eq!(reply.scim_error(400)["scimType"], "invalidValue", "{body}");
    }
    assert_eq!(app.get_ok("/Users")["totalResults"], 0);
}

#[test]
fn patch_on_the_whole_enterprise_extension_with_its_own_schemas_key() {
    let app = TestApp::new();
    let reply = app.post(
        "/Users",
        &json!({"schemas": [USER_SCHEMA, ENTERPRISE], "userName": "carol",
            ENTERPRISE: {"department": "Sales", "costCenter": "CC1"}}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let reply = app.patch(
        &format!("/Users/{id}"),
        &patch_body(json!([{"op": "add", "path": ENTERPRISE,
            "value": {"schemas": [ENTERPRISE], "department": "R&D"}}])),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json()[ENTERPRISE],
        json!({"department": "R&D", "costCenter": "CC1"})
    );
    let reply = app.patch(
        &format!("/Users/{id}"),
        &patch_body(json!([{"op": "remove", "path": ENTERPRISE}])),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(app
        .get_ok(&format!("/Users/{id}"))
        .get(ENTERPRISE)
        .is_none());
}
