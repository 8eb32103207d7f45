//! PATCH with a whole extension as the path (RFC 7644 §3.5.2): the extension object is a
//! complex attribute named by its URN. add merges the given attributes, replace replaces the
//! given ones and leaves the rest (§3.5.2.3), remove (or a `null` value) drops the extension;
//! a `schemas` key that clients copy into the value along with the object is accepted and
//! ignored.

use super::hostile_tests::assert_scim_error;
use super::test_app::TestApp;
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn patch(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

/// A user with department, cost centre and manager in the enterprise extension.
fn seeded() -> (TestApp, String) {
    let app = TestApp::new();
    let reply = app.post(
        "/Users",
        &json!({"schemas": [USER, ENTERPRISE], "userName": "alice",
            ENTERPRISE: {"department": "Sales", "costCenter": "CC1",
                "manager": {"value": "boss-1"}}}),
    );
    assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    (app, id)
}

fn extension_after(app: &TestApp, id: &str, op: Value) -> Value {
    let reply = app.patch(&format!("/Users/{id}"), &patch(json!([op])));
    assert_eq!(reply.status, 200, "{:?}", reply.response.body);
    let stored = app.get(&format!("/Users/{id}")).json();
    assert_eq!(stored, reply.json(), "GET returns what PATCH answered");
    stored.get(ENTERPRISE).cloned().unwrap_or(Value::Null)
}

#[test]
fn add_on_the_extension_merges_and_ignores_the_values_own_schemas() {
    let (app, id) = seeded();
    let ext = extension_after(
        &app,
        &id,
        json!({"op": "add", "path": ENTERPRISE,
            "value": {"schemas": [ENTERPRISE], "department": "R&D", "division": "Labs",
                "manager": {"displayName": "ignored (readOnly)"}}}),
    );
    assert_eq!(
        ext,
        json!({"department": "R&D", "costCenter": "CC1", "manager": {"value": "boss-1"},
            "division": "Labs"})
    );
}

#[test]
fn replace_on_the_extension_replaces_the_given_attributes_and_keeps_the_others() {
    let (app, id) = seeded();
    let ext = extension_after(
        &app,
        &id,
        json!({"op": "Replace", "path": ENTERPRISE,
            "value": {"schemas": [USER, ENTERPRISE], "department": "Ops",
                "manager": {"value": "boss-2"}}}),
    );
    assert_eq!(
        ext,
        json!({"department": "Ops", "costCenter": "CC1", "manager": {"value": "boss-2"}})
    );
    // Case-insensitive URN in the path and a null attribute inside the value unassigns it.
    let ext = extension_after(
        &app,
        &id,
        json!({"op": "replace", "path": ENTERPRISE.to_uppercase(),
            "value": {"costCenter": null}}),
    );
    assert_eq!(
        ext,
        json!({"department": "Ops", "manager": {"value": "boss-2"}})
    );
}

#[test]
fn remove_or_a_null_value_drops_the_whole_extension() {
    let (app, id) = seeded();
    let ext = extension_after(&app, &id, json!({"op": "remove", "path": ENTERPRISE}));
    assert_eq!(ext, Value::Null);
    let (app, id) = seeded();
    let ext = extension_after(
        &app,
        &id,
        json!({"op": "replace", "path": ENTERPRISE, "value": null}),
    );
    assert_eq!(ext, Value::Null);
    let body = app.get(&format!("/Users/{id}")).json();
    assert_eq!(body["schemas"], json!([USER]), "{body}");
}

#[test]
fn extension_values_that_are_not_objects_or_name_unknown_attributes_are_refused() {
    let (app, id) = seeded();
    let target = format!("/Users/{id}");
    for (value, scim_type) in [
        (json!("Sales"), "invalidValue"),
        (json!(["Sales"]), "invalidValue"),
        (json!({"favouriteColour": "blue"}), "invalidPath"),
        (
            json!({"schemas": "not a list", "department": "X"}),
            "invalidValue",
        ),
    ] {
        let reply = app.patch(
            &target,
            &patch(json!([{"op": "add", "path": ENTERPRISE, "value": value}])),
        );
        assert_scim_error(&reply, 400, Some(scim_type));
    }
    let body = app.get(&target).json();
    assert_eq!(body[ENTERPRISE]["department"], "Sales");
}
