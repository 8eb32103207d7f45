//! Native tests of `POST /Bulk` (RFC 7644 §3.7) through the service, on the SQLite test db.

use super::test_app::{Reply, TestApp};
use serde_json::{json, Value};

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

pub(super) fn bulk(app: &TestApp, operations: Value) -> Reply {
    app.post(
        "/Bulk",
        &json!({"schemas": [BULK_REQUEST], "Operations": operations}),
    )
}

fn results(reply: &Reply) -> Vec<Value> {
    assert_eq!(reply.status, 200, "{:?}", reply.response.body);
    reply.json()["Operations"].as_array().unwrap().clone()
}

pub(super) fn statuses(reply: &Reply) -> Vec<String> {
    results(reply)
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

fn id_of(result: &Value) -> String {
    let location = result["location"].as_str().expect("location");
    location.rsplit('/').next().unwrap().to_owned()
}

pub(super) fn user_post(bulk_id: &str, user_name: &str) -> Value {
    json!({"method": "POST", "path": "/Users", "bulkId": bulk_id,
        "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name}})
}

pub(super) fn group_post(bulk_id: &str, name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    json!({"method": "POST", "path": "/Groups", "bulkId": bulk_id,
        "data": {"displayName": name, "members": members}})
}

fn count(app: &TestApp, sql: &str, org: &str) -> usize {
    app.db.query(sql, vec![org.into()]).len()
}

fn member_ids(app: &TestApp, group: &str) -> Vec<String> {
    let mut ids: Vec<String> = app
        .db
        .query(
            "SELECT member_id FROM group_members WHERE org = ?1 AND group_id = ?2",
            vec![app.org.as_str().into(), group.into()],
        )
        .iter()
        .map(|r| r["member_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The statements of each batch the app's db was sent from now on.
fn batch_sizes_after(app: &TestApp, call: impl FnOnce() -> Reply) -> (Reply, Vec<usize>) {
    let before = app.db.batch_sizes.borrow().len();
    let reply = call();
    let sizes = app.db.batch_sizes.borrow()[before..].to_vec();
    assert_eq!(sizes.len(), reply.log.d1_round_trips as usize);
    (reply, sizes)
}

#[test]
fn a_thousand_user_posts_take_a_handful_of_round_trips() {
    let app = TestApp::new();
    // A single POST: one round trip of `per_post` statements (the insert, its email rows, its
    // side effects, the outcome).
    let (single, sizes) =
        batch_sizes_after(&app, || app.post("/Users", &json!({"userName": "single"})));
    assert_eq!(single.status, 201);
    let per_post = sizes[0];
    let operations: Vec<Value> = (0..1000)
        .map(|i| user_post(&format!("u{i}"), &format!("user{i}@example.com")))
        .collect();
    let (reply, sizes) = batch_sizes_after(&app, || bulk(&app, Value::Array(operations)));
    let results = results(&reply);
    assert_eq!(results.len(), 1000);
    assert!(
        results.iter().all(|r| r["status"] == "201"),
        "{:?}",
        results[0]
    );
    // The same statements as 1,000 single POSTs, in batches filled up to the cap: 4 round
    // trips (4 statements a POST) instead of 1,000.
    assert_eq!(sizes.iter().sum::<usize>(), 1000 * per_post);
    assert!(sizes.iter().all(|&n| n <= 1000), "{sizes:?}");
    assert_eq!(sizes.len(), 1000_usize.div_ceil(1000 / per_post));
    assert!(sizes.len() <= 5, "{sizes:?}");
    assert_eq!(
        reply.header("server-timing").map(str::to_owned),
        Some(format!("d1;desc=\"queries={}\"", sizes.len()))
    );
    assert_eq!(
        count(&app, "SELECT id FROM users WHERE org = ?1", "acme"),
        1001
    );
    // The org's count moved with every create (a side effect in each plan's slot).
    let total = app.get("/Users?count=0").json()["totalResults"].clone();
    assert_eq!(total, 1001);
}

#[test]
fn the_statement_cap_bounds_every_batch() {
    let mut app = TestApp::new();
    app.bulk_max_statements = 50;
    let operations: Vec<Value> = (0..100)
        .map(|i| user_post(&format!("u{i}"), &format!("user{i}")))
        .collect();
    let (reply, sizes) = batch_sizes_after(&app, || bulk(&app, Value::Array(operations)));
    assert!(statuses(&reply).iter().all(|s| s == "201"));
    let per_post = sizes.iter().sum::<usize>() / 100;
    assert!(sizes.iter().all(|&n| n <= 50), "{sizes:?}");
    // As many whole POSTs as fit under 50 statements in every batch.
    assert_eq!(sizes.len(), 100_usize.div_ceil(50 / per_post), "{sizes:?}");
}

#[test]
fn a_group_references_users_created_in_the_same_request_before_and_after_it() {
    let app = TestApp::new();
    let reply = bulk(
        &app,
        json!([
            user_post("alice", "alice"),
            group_post("team", "Team", &["bulkId:alice", "bulkId:bob"]),
            user_post("bob", "bob"),
        ]),
    );
    let results = results(&reply);
    assert_eq!(statuses(&reply), ["201", "201", "201"], "{results:?}");
    assert_eq!(results[1]["bulkId"], "team");
    let (alice, group, bob) = (id_of(&results[0]), id_of(&results[1]), id_of(&results[2]));
    let mut expected = vec![alice.clone(), bob];
    expected.sort();
    assert_eq!(member_ids(&app, &group), expected);
    // The user sees the group, as after single requests.
    let user = app.get(&format!("/Users/{alice}")).json();
    assert_eq!(user["groups"][0]["value"], group.as_str());
    assert_eq!(
        results[1]["version"],
        app.get(&format!("/Groups/{group}")).header("etag").unwrap()
    );
    // Users first (wave 0), then the group's member check and insert: three round trips.
    assert_eq!(reply.log.d1_round_trips, 3);
}

#[test]
fn references_in_paths_and_patch_values_resolve_and_order_operations() {
    let app = TestApp::new();
    let reply = bulk(
        &app,
        json!([
            {"method": "PATCH", "path": "/Groups/bulkId:g", "data": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": "bulkId:u"}]}]}},
            group_post("g", "Engineering", &[]),
            user_post("u", "carol"),
            {"method": "PATCH", "path": "/Users/bulkId:u", "data": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "displayName", "value": "Carol"}]}},
            {"method": "DELETE", "path": "/Users/bulkId:u"},
        ]),
    );
    let results = results(&reply);
    assert_eq!(
        statuses(&reply),
        ["200", "201", "201", "200", "204"],
        "{results:?}"
    );
    let group = id_of(&results[1]);
    // The PATCH added the user, then the DELETE (after it: same resource) removed it again.
    assert!(member_ids(&app, &group).is_empty());
    assert_eq!(
        app.get(&format!("/Users/{}", id_of(&results[2]))).status,
        404
    );
}

#[test]
fn a_reference_cycle_fails_its_operations_with_409() {
    let app = TestApp::new();
    let reply = bulk(
        &app,
        json!([
            group_post("a", "A", &["bulkId:b"]),
            group_post("b", "B", &["bulkId:a"]),
            group_post("c", "C", &["bulkId:a"]),
            user_post("ok", "fine"),
        ]),
    );
    let results = results(&reply);
    assert_eq!(
        statuses(&reply),
        ["409", "409", "409", "201"],
        "{results:?}"
    );
    assert!(results[0]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("circular"));
    assert!(results[2]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("'a'"));
    assert_eq!(
        count(&app, "SELECT id FROM groups WHERE org = ?1", "acme"),
        0
    );
}

#[test]
fn unknown_bulk_ids_and_references_to_failed_posts_fail_clearly() {
    let app = TestApp::new();
    app.create_user("taken");
    let reply = bulk(
        &app,
        json!([
            group_post("g1", "G1", &["bulkId:nobody"]),
            user_post("dup", "TAKEN"),
            group_post("g2", "G2", &["bulkId:dup"]),
        ]),
    );
    let results = results(&reply);
    assert_eq!(statuses(&reply), ["400", "409", "409"], "{results:?}");
    assert_eq!(results[0]["response"]["scimType"], "invalidValue");
    assert_eq!(results[1]["response"]["scimType"], "uniqueness");
    assert!(results[2]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("'dup'"));
}

#[test]
fn each_operation_obeys_its_single_request_rules() {
    let app = TestApp::new();
    let existing = app.create_user("existing");
    let etag = app
        .get(&format!("/Users/{existing}"))
        .header("etag")
        .unwrap()
        .to_owned();
    let group = app
        .post("/Groups", &json!({"displayName": "Parent"}))
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let child = app
        .post(
            "/Groups",
            &json!({"displayName": "Child", "members": [{"value": group}]}),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let patch = |value: Value| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": value}]})
    };
    let reply = bulk(
        &app,
        json!([
            user_post("a", "new-one"),
            user_post("b", "new-one"),
            {"method": "PUT", "path": format!("/Users/{existing}"), "version": "W/\"1\"",
             "data": {"userName": "existing"}},
            {"method": "PUT", "path": format!("/Users/{existing}"), "version": etag,
             "data": {"userName": "existing", "displayName": "Existing"}},
            {"method": "PATCH", "path": format!("/Groups/{group}"), "data": patch(json!([{"value": child}]))},
            {"method": "PATCH", "path": format!("/Groups/{child}"), "data": patch(json!([{"value": "no-such-id"}]))},
            {"method": "DELETE", "path": "/Users/no-such-user"},
            {"method": "POST", "path": "/Users", "bulkId": "c", "data": {"displayName": "no userName"}},
            {"method": "GET", "path": "/Users"},
            {"method": "POST", "path": "/Widgets", "bulkId": "w", "data": {}},
        ]),
    );
    let results = results(&reply);
    assert_eq!(
        statuses(&reply),
        ["201", "409", "412", "200", "400", "400", "404", "400", "400", "400"],
        "{results:?}"
    );
    assert!(results[4]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("cycle"));
    assert!(results[5]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("no-such-id"));
    assert_eq!(results[9]["response"]["scimType"], "invalidPath");
    assert_eq!(
        app.get(&format!("/Users/{existing}")).json()["displayName"],
        "Existing"
    );
    assert_eq!(
        count(&app, "SELECT id FROM users WHERE org = ?1", "acme"),
        2
    );
}

#[test]
fn fail_on_errors_stops_after_that_many_failures() {
    let app = TestApp::new();
    app.create_user("taken");
    let reply = app.post(
        "/Bulk",
        &json!({"schemas": [BULK_REQUEST], "failOnErrors": 1, "Operations": [
            user_post("a", "first"),
            user_post("b", "taken"),
            user_post("c", "never-run"),
        ]}),
    );
    let results = results(&reply);
    assert_eq!(statuses(&reply), ["201", "409"], "{results:?}");
    let names: Vec<String> = app
        .db
        .query(
            "SELECT user_name FROM users WHERE org = ?1 ORDER BY user_name",
            vec!["acme".into()],
        )
        .iter()
        .map(|r| r["user_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["first", "taken"]);
    // failOnErrors 2: both failures run, then nothing more.
    let reply = app.post(
        "/Bulk",
        &json!({"schemas": [BULK_REQUEST], "failOnErrors": 2, "Operations": [
            user_post("a", "taken"), user_post("b", "x2"), user_post("c", "first"), user_post("d", "x3"),
        ]}),
    );
    assert_eq!(statuses(&reply), ["409", "201", "409"]);
}

#[test]
fn a_bulk_in_one_org_never_touches_another() {
    let other = TestApp::new().with_org("other");
    let foreign = other.create_user("shared-name");
    let app = TestApp {
        db: other.db,
        kv: other.kv,
        ..TestApp::new()
    }
    .with_org("acme");
    let reply = bulk(
        &app,
        json!([
            user_post("a", "shared-name"),
            {"method": "DELETE", "path": format!("/Users/{foreign}")},
            {"method": "PATCH", "path": format!("/Users/{foreign}"), "data": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": false}]}},
            group_post("g", "G", &[foreign.as_str()]),
        ]),
    );
    assert_eq!(statuses(&reply), ["201", "404", "404", "400"]);
    let rows = app.db.query(
        "SELECT org, active FROM users WHERE id = ?1",
        vec![foreign.as_str().into()],
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["org"], "other");
    assert_eq!(rows[0]["active"], 1);
    assert_eq!(
        count(&app, "SELECT id FROM users WHERE org = ?1", "other"),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT group_id FROM group_members WHERE org = ?1",
            "other"
        ),
        0
    );
}

#[test]
fn limits_are_advertised_and_enforced() {
    let app = TestApp::new();
    let config = app.get("/ServiceProviderConfig").json();
    assert_eq!(config["bulk"]["supported"], true);
    assert_eq!(config["bulk"]["maxOperations"], 2000);
    assert_eq!(
        config["bulk"]["maxPayloadSize"],
        crate::core::http::MAX_BODY_BYTES
    );
    let operations: Vec<Value> = (0..2001)
        .map(|i| user_post(&format!("u{i}"), "x"))
        .collect();
    let reply = bulk(&app, Value::Array(operations));
    assert_eq!(reply.status, 413);
    assert_eq!(reply.scim_type().as_deref(), Some("tooMany"));
    assert_eq!(
        count(&app, "SELECT id FROM users WHERE org = ?1", "acme"),
        0
    );
    // Not a BulkRequest at all: 400, nothing run.
    let reply = app.post("/Bulk", &json!({"Operations": [user_post("a", "a")]}));
    assert_eq!(reply.status, 400);
    let reply = app.post(
        "/Bulk",
        &json!({"schemas": [BULK_REQUEST], "Operations": [user_post("a", "a"), user_post("a", "b")]}),
    );
    assert_eq!(reply.status, 400, "duplicate bulkIds");
    assert_eq!(app.get("/Bulk").status, 405);
}

#[test]
fn patches_of_different_users_share_a_read_round_and_a_write_round() {
    let app = TestApp::new();
    let ids: Vec<String> = (0..100)
        .map(|i| app.create_user(&format!("p{i}")))
        .collect();
    let operations: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({"method": "PATCH", "path": format!("/Users/{id}"), "data": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": false}]}})
        })
        .collect();
    let reply = bulk(&app, Value::Array(operations));
    assert!(statuses(&reply).iter().all(|s| s == "200"));
    assert_eq!(reply.log.d1_round_trips, 2);
    let inactive = app.get("/Users?filter=active%20eq%20false&count=0").json();
    assert_eq!(inactive["totalResults"], 100);
}
