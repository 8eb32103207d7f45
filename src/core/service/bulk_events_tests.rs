//! Bulk and the change log (docs/events.md): every operation of a Bulk request records
//! exactly the events its single request records, in its own batch.

use super::bulk_tests::{bulk, group_post, statuses, user_post};
use super::test_app::TestApp;
use serde_json::{json, Value};

/// The change log of `app`'s org, each event reduced to what does not depend on generated
/// ids, versions or times: its type, the resource's name, the member's name, `previous`.
fn event_log(app: &TestApp) -> Vec<String> {
    let reply = app.admin(
        crate::core::http::Method::Get,
        &format!("{}/events?limit=1000", app.org),
        None,
    );
    assert_eq!(reply.status, 200, "{:?}", reply.response.body);
    let events = reply.json()["events"].as_array().unwrap().clone();
    let name = |resource: &Value| {
        resource
            .get("userName")
            .or_else(|| resource.get("displayName"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let names: std::collections::HashMap<String, String> = events
        .iter()
        .filter_map(|e| {
            Some((
                e["resource"]["id"].as_str()?.to_owned(),
                name(&e["resource"]),
            ))
        })
        .collect();
    let mut log: Vec<String> = events
        .iter()
        .map(|e| {
            let member = e["data"]["member"]["value"]
                .as_str()
                .map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_owned()))
                .unwrap_or_default();
            format!(
                "{} {} {} {}",
                e["type"].as_str().unwrap(),
                name(&e["resource"]),
                member,
                e.get("previous").map(Value::to_string).unwrap_or_default()
            )
        })
        .collect();
    // Bulk orders independent operations differently from a client sending them one by one.
    log.sort();
    log
}

#[test]
fn bulk_operations_record_exactly_the_events_of_single_requests() {
    let patch = |operations: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
    let deactivate = patch(json!([{"op": "replace", "path": "active", "value": false}]));
    let rename = patch(json!([{"op": "replace", "path": "displayName", "value": "Ada L."}]));

    // One by one.
    let single = TestApp::new();
    // The very bodies the Bulk operations carry.
    let create = |user_name: &str| {
        let reply = single.post("/Users", &user_post("x", user_name)["data"]);
        (
            reply.status,
            reply.json()["id"].as_str().unwrap_or("").to_owned(),
        )
    };
    let (_, ada) = create("ada");
    let (_, bob) = create("bob");
    assert_eq!(create("BOB").0, 409);
    let team = single
        .post(
            "/Groups",
            &json!({"displayName": "Team", "members": [{"value": ada}]}),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let add_bob = patch(json!([{"op": "add", "path": "members", "value": [{"value": bob}]}]));
    assert_eq!(
        single.patch(&format!("/Groups/{team}"), &add_bob).status,
        204
    );
    assert_eq!(single.patch(&format!("/Users/{ada}"), &rename).status, 200);
    assert_eq!(
        single.patch(&format!("/Users/{bob}"), &deactivate).status,
        200
    );
    assert_eq!(single.delete(&format!("/Users/{ada}")).status, 204);
    assert_eq!(
        single
            .put(
                &format!("/Groups/{team}"),
                &json!({"displayName": "Team A"})
            )
            .status,
        200
    );

    // The same as one Bulk request.
    let batched = TestApp::new();
    let reply = bulk(
        &batched,
        json!([
            user_post("ada", "ada"),
            user_post("bob", "bob"),
            user_post("dup", "BOB"),
            group_post("team", "Team", &["bulkId:ada"]),
            {"method": "PATCH", "path": "/Groups/bulkId:team",
             "data": patch(json!([{"op": "add", "path": "members", "value": [{"value": "bulkId:bob"}]}]))},
            {"method": "PATCH", "path": "/Users/bulkId:ada", "data": rename},
            {"method": "PATCH", "path": "/Users/bulkId:bob", "data": deactivate},
            {"method": "DELETE", "path": "/Users/bulkId:ada"},
            {"method": "PUT", "path": "/Groups/bulkId:team", "data": {"displayName": "Team A"}},
        ]),
    );
    // `dup` and `bob` share a wave and a batch, `bob` first, as in request order. The DELETE
    // runs before the PUT (the PUT waits for the PATCH of the same group), as above.
    assert_eq!(
        statuses(&reply),
        ["201", "201", "409", "201", "200", "200", "200", "204", "200"]
    );
    let expected = event_log(&single);
    assert!(expected.len() >= 8, "{expected:?}");
    assert_eq!(event_log(&batched), expected);
    // And the bulk asked for delivery once, as a write does.
    assert_eq!(reply.deliveries.len(), 1);
}
