//! Native tests of the Group endpoints and membership PATCH semantics through the service.

use super::test_app::TestApp;
use serde_json::{json, Value};

fn create_group(app: &TestApp, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let reply = app.post("/Groups", &json!({"displayName": name, "members": members}));
    assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    reply.json()["id"].as_str().unwrap().to_owned()
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

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn patch_ops(app: &TestApp, group: &str, ops: Value) -> u16 {
    let reply = app.patch(
        &format!("/Groups/{group}"),
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}),
    );
    if reply.status >= 300 {
        eprintln!("{:?}", reply.response.body);
    }
    reply.status
}

#[test]
fn entra_group_create_with_microsoft_schema_urn_is_201() {
    let app = TestApp::new();
    let reply = app.post(
        "/Groups",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "displayName": "Sales", "meta": {"resourceType": "Group"}}),
    );
    assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    let body = reply.json();
    assert_eq!(body["displayName"], "Sales");
    // An empty member list is unassigned (RFC 7643 §2.5), left out like any other.
    assert!(body.get("members").is_none(), "{body}");
    assert!(reply
        .header("location")
        .unwrap()
        .ends_with(body["id"].as_str().unwrap()));
}

#[test]
fn duplicate_display_name_in_any_case_is_409() {
    let app = TestApp::new();
    create_group(&app, "Engineering", &[]);
    let reply = app.post("/Groups", &json!({"displayName": "ENGINEERING"}));
    assert_eq!(
        (reply.status, reply.scim_type().as_deref()),
        (409, Some("uniqueness"))
    );
}

#[test]
fn members_must_exist_in_the_same_org() {
    let app = TestApp::new();
    let alice = app.create_user("alice");
    let reply = app.post(
        "/Groups",
        &json!({"displayName": "G", "members": [{"value": alice}, {"value": "nope-1"}]}),
    );
    assert_eq!(
        (reply.status, reply.scim_type().as_deref()),
        (400, Some("invalidValue"))
    );
    assert!(reply.json()["detail"].as_str().unwrap().contains("nope-1"));
    assert!(app.db.query("SELECT * FROM groups", vec![]).is_empty());
    let group = create_group(&app, "G", &[&alice]);
    let status = patch_ops(
        &app,
        &group,
        json!([{"op": "add", "path": "members", "value": [{"value": "ghost"}]}]),
    );
    assert_eq!(status, 400);
    assert_eq!(member_ids(&app, &group), sorted(&[&alice]));
}

#[test]
fn entra_add_members_with_null_ref_and_duplicates_is_204() {
    let app = TestApp::new();
    let (a, b) = (app.create_user("a"), app.create_user("b"));
    let group = create_group(&app, "G", &[&a]);
    let status = patch_ops(
        &app,
        &group,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": a}, {"$ref": null, "value": b}, {"value": b, "display": "B"}]}]),
    );
    assert_eq!(status, 204);
    assert_eq!(member_ids(&app, &group), sorted(&[&a, &b]));
}

#[test]
fn entra_default_remove_with_value_array_removes_exactly_those() {
    let app = TestApp::new();
    let (a, b, c) = (
        app.create_user("a"),
        app.create_user("b"),
        app.create_user("c"),
    );
    let group = create_group(&app, "G", &[&a, &b, &c]);
    let status = patch_ops(
        &app,
        &group,
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": b}]}]),
    );
    assert_eq!(status, 204);
    assert_eq!(member_ids(&app, &group), sorted(&[&a, &c]));
}

#[test]
fn filtered_remove_without_value_removes_that_member_and_or_works() {
    let app = TestApp::new();
    let (a, b, c) = (
        app.create_user("a"),
        app.create_user("b"),
        app.create_user("c"),
    );
    let group = create_group(&app, "G", &[&a, &b, &c]);
    let path = format!("members[value eq \"{a}\"]");
    assert_eq!(
        patch_ops(&app, &group, json!([{"op": "remove", "path": path}])),
        204
    );
    assert_eq!(member_ids(&app, &group), sorted(&[&b, &c]));
    let path = format!("members[value eq \"{b}\" or value eq \"{c}\"]");
    assert_eq!(
        patch_ops(&app, &group, json!([{"op": "remove", "path": path}])),
        204
    );
    assert!(member_ids(&app, &group).is_empty());
}

#[test]
fn bare_remove_of_members_clears_the_group() {
    let app = TestApp::new();
    let (a, b) = (app.create_user("a"), app.create_user("b"));
    let group = create_group(&app, "G", &[&a, &b]);
    assert_eq!(
        patch_ops(&app, &group, json!([{"op": "remove", "path": "members"}])),
        204
    );
    assert!(member_ids(&app, &group).is_empty());
}

#[test]
fn replace_members_leaves_exactly_the_given_list() {
    let app = TestApp::new();
    let (a, b, c) = (
        app.create_user("a"),
        app.create_user("b"),
        app.create_user("c"),
    );
    let group = create_group(&app, "G", &[&a, &b]);
    assert_eq!(
        patch_ops(
            &app,
            &group,
            json!([{"op": "replace", "path": "members", "value": [{"value": c}, {"value": b}]}])
        ),
        204
    );
    assert_eq!(member_ids(&app, &group), sorted(&[&b, &c]));
}

#[test]
fn okta_pathless_replace_with_id_and_display_name_renames() {
    let app = TestApp::new();
    let group = create_group(&app, "Old", &[]);
    let status = patch_ops(
        &app,
        &group,
        json!([{"op": "replace", "value": {"id": group, "displayName": "New"}}]),
    );
    assert_eq!(status, 204);
    assert_eq!(
        app.get(&format!("/Groups/{group}")).json()["displayName"],
        "New"
    );
}

#[test]
fn patch_with_attributes_answers_200_with_the_group() {
    let app = TestApp::new();
    let a = app.create_user("a");
    let group = create_group(&app, "G", &[]);
    let reply = app.patch(
        &format!("/Groups/{group}?attributes=members"),
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": [{"value": a}]}]}),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.response.body);
    assert_eq!(reply.json()["members"][0]["value"], a.as_str());
}

#[test]
fn operations_in_one_request_are_all_or_nothing() {
    let app = TestApp::new();
    let a = app.create_user("a");
    let group = create_group(&app, "G", &[]);
    let status = patch_ops(
        &app,
        &group,
        json!([{"op": "add", "path": "members", "value": [{"value": a}]}, {"op": "replace", "path": "bogusAttr", "value": "x"}]),
    );
    assert_eq!(status, 400);
    assert!(member_ids(&app, &group).is_empty());
}

#[test]
fn a_group_may_contain_groups_but_not_itself() {
    let app = TestApp::new();
    let inner = create_group(&app, "Inner", &[]);
    let outer = create_group(&app, "Outer", &[&inner]);
    assert_eq!(member_ids(&app, &outer), sorted(&[&inner]));
    let status = patch_ops(
        &app,
        &inner,
        json!([{"op": "add", "path": "members", "value": [{"value": outer}]}]),
    );
    assert_eq!(status, 400);
    let status = patch_ops(
        &app,
        &inner,
        json!([{"op": "add", "path": "members", "value": [{"value": inner}]}]),
    );
    assert_eq!(status, 400);
    let body = app.get(&format!("/Groups/{outer}")).json();
    assert_eq!(body["members"][0]["type"], "Group");
}

#[test]
fn user_groups_lists_memberships_and_deletes_cascade() {
    let app = TestApp::new();
    let a = app.create_user("a");
    let group = create_group(&app, "Team", &[&a]);
    let user = app.get(&format!("/Users/{a}")).json();
    assert_eq!(
        user["groups"],
        json!([{"value": group, "$ref": format!("https://scim.example.com/scim/v2/acme/Groups/{group}"),
                "display": "Team", "type": "direct"}])
    );
    assert_eq!(app.delete(&format!("/Groups/{group}")).status, 204);
    assert!(app
        .get(&format!("/Users/{a}"))
        .json()
        .get("groups")
        .is_none());
    assert_eq!(app.get(&format!("/Groups/{group}")).status, 404);
    assert!(app
        .db
        .query("SELECT * FROM group_members", vec![])
        .is_empty());
}

#[test]
fn one_patch_can_add_ten_thousand_members() {
    let app = TestApp::new();
    let group = create_group(&app, "Big", &[]);
    let ids: Vec<String> = (0..10_000).map(|i| format!("u-{i:05}")).collect();
    {
        let conn = app.db.conn.borrow();
        let mut stmt = conn
            .prepare("INSERT INTO users (org, id, user_name, user_name_ci, data, created, last_modified, version) VALUES ('acme', ?1, ?1, ?1, '{}', 't', 't', 1)")
            .unwrap();
        for id in &ids {
            stmt.execute([id]).unwrap();
        }
    }
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    let reply = app.patch(
        &format!("/Groups/{group}"),
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": members}]}),
    );
    assert_eq!(reply.status, 204, "{:?}", reply.response.body);
    assert_eq!(member_ids(&app, &group).len(), 10_000);
    // Read with validation, then write: two round trips whatever the size.
    assert_eq!(reply.header("server-timing"), Some("d1;desc=\"queries=2\""));
}

#[test]
fn put_replaces_display_name_and_members() {
    let app = TestApp::new();
    let (a, b) = (app.create_user("a"), app.create_user("b"));
    let group = create_group(&app, "G", &[&a]);
    let reply = app.put(
        &format!("/Groups/{group}"),
        &json!({"displayName": "G2", "members": [{"value": b}]}),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.response.body);
    assert_eq!(reply.json()["displayName"], "G2");
    assert_eq!(member_ids(&app, &group), sorted(&[&b]));
}

#[test]
fn user_groups_include_indirect_memberships_through_nested_groups() {
    let app = TestApp::new();
    let a = app.create_user("a");
    let inner = create_group(&app, "Inner", &[&a]);
    let outer = create_group(&app, "Outer", &[&inner]);
    let groups = app.get(&format!("/Users/{a}")).json()["groups"].clone();
    assert_eq!(
        groups,
        json!([
            {"value": inner, "$ref": format!("https://scim.example.com/scim/v2/acme/Groups/{inner}"),
             "display": "Inner", "type": "direct"},
            {"value": outer, "$ref": format!("https://scim.example.com/scim/v2/acme/Groups/{outer}"),
             "display": "Outer", "type": "indirect"}
        ])
    );
}

#[test]
fn unfiltered_group_total_follows_creates_and_deletes() {
    let app = TestApp::new();
    let g = create_group(&app, "One", &[]);
    create_group(&app, "Two", &[]);
    assert_eq!(
        app.post("/Groups", &json!({"displayName": "one"})).status,
        409
    );
    assert_eq!(app.get("/Groups?count=0").json()["totalResults"], 2);
    assert_eq!(app.delete(&format!("/Groups/{g}")).status, 204);
    assert_eq!(app.get("/Groups").json()["totalResults"], 1);
}
