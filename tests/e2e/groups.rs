//! Issue "Groups": groups and membership as Entra ID and Okta push them.

use crate::helpers::{enc, patch_body, sorted, TestApp, GROUP_SCHEMA};
use serde_json::json;

const ADSCIM: &str = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

#[test]
fn post_group_with_microsoft_schema_urn_and_null_refs_is_201() {
    let app = TestApp::new();
    let alice = app.create_user_id("alice");
    let reply = app.post(
        "/Groups",
        &json!({
            "schemas": [GROUP_SCHEMA, ADSCIM],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Engineering",
            "meta": {"resourceType": "Group"},
            "members": [{"value": alice, "$ref": null, "display": "Alice"}]
        }),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    let body = reply.json();
    let id = body["id"].as_str().unwrap();
    assert_eq!(
        reply.header("location"),
        Some(app.url(&format!("/Groups/{id}")).as_str())
    );
    assert!(reply.header("etag").is_some());
    assert_eq!(body["meta"]["resourceType"], "Group");
    assert_eq!(body["displayName"], "Engineering");
    assert_eq!(body["externalId"], "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
    assert_eq!(body["members"][0]["value"], alice.as_str());
    assert_eq!(
        body["members"][0]["$ref"],
        app.url(&format!("/Users/{alice}"))
    );
}

#[test]
fn entra_creates_groups_with_no_members() {
    let app = TestApp::new();
    let reply = app.post(
        "/Groups",
        &json!({"schemas": [GROUP_SCHEMA, ADSCIM], "displayName": "Empty"}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    assert!(app.member_ids(&id).is_empty());
}

#[test]
fn display_name_is_unique_case_insensitively() {
    let app = TestApp::new();
    app.create_group_id("Sales Team", &[]);
    let body = app
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": "SALES team"}),
        )
        .scim_error(409);
    assert_eq!(body["scimType"], "uniqueness");
    let other = app.create_group_id("Other", &[]);
    let body = app
        .patch(
            &format!("/Groups/{other}"),
            &patch_body(json!([{"op": "replace", "path": "displayName", "value": "sales team"}])),
        )
        .scim_error(409);
    assert_eq!(body["scimType"], "uniqueness");
}

#[test]
fn members_must_exist_in_the_org_and_nothing_changes_otherwise() {
    let app = TestApp::new();
    let alice = app.create_user_id("alice");
    let body = app
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": "G",
                    "members": [{"value": alice}, {"value": "ghost-1"}, {"value": "ghost-2"}]}),
        )
        .scim_error(400);
    assert_eq!(body["scimType"], "invalidValue");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("ghost-1") && detail.contains("ghost-2"),
        "{detail}"
    );
    assert!(!detail.contains(&alice), "{detail}");
    let list = app.get_ok(&format!("/Groups?filter={}", enc("displayName eq \"G\"")));
    assert_eq!(list["totalResults"], 0);

    let group = app.create_group_id("G", &[&alice]);
    let bob = app.create_user_id("bob");
    let body = app
        .patch(
            &format!("/Groups/{group}"),
            &patch_body(json!([
                {"op": "Add", "path": "members", "value": [{"value": bob}, {"value": "ghost-3"}]},
                {"op": "Replace", "path": "displayName", "value": "Renamed"}
            ])),
        )
        .scim_error(400);
    assert!(body["detail"].as_str().unwrap().contains("ghost-3"));
    assert_eq!(app.member_ids(&group), vec![alice]);
    assert_eq!(app.get_ok(&format!("/Groups/{group}"))["displayName"], "G");
}

#[test]
fn a_group_cannot_become_a_member_of_itself_directly_or_through_others() {
    let app = TestApp::new();
    let a = app.create_group_id("A", &[]);
    let b = app.create_group_id("B", &[&a]);
    let add = |target: &str, member: &str| {
        app.patch(
            &format!("/Groups/{target}"),
            &patch_body(json!([{"op": "add", "path": "members", "value": [{"value": member}]}])),
        )
    };
    add(&a, &a).scim_error(400);
    add(&a, &b).scim_error(400);
    assert!(app.member_ids(&a).is_empty());
    let c = app.create_group_id("C", &[]);
    assert_eq!(add(&c, &b).status, 204);
    add(&a, &c).scim_error(400);
}

#[test]
fn patch_add_members_with_value_array_ignores_duplicates() {
    let app = TestApp::new();
    let u1 = app.create_user_id("u1");
    let u2 = app.create_user_id("u2");
    let u3 = app.create_user_id("u3");
    let group = app.create_group_id("G", &[&u1]);
    let reply = app.patch(
        &format!("/Groups/{group}"),
        &patch_body(json!([{"op": "Add", "path": "members",
            "value": [{"value": u1}, {"value": u2}, {"value": u2}, {"value": u3, "$ref": null}]}])),
    );
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert!(reply.text.is_empty());
    assert_eq!(app.member_ids(&group), sorted(&[&u1, &u2, &u3]));
}

#[test]
fn patch_remove_with_value_array_removes_exactly_those_members() {
    let app = TestApp::new();
    let ids: Vec<String> = (0..4)
        .map(|i| app.create_user_id(&format!("u{i}")))
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let group = app.create_group_id("G", &refs);
    let reply = app.patch(
        &format!("/Groups/{group}"),
        &patch_body(json!([{"op": "Remove", "path": "members",
            "value": [{"value": ids[0]}, {"value": ids[2]}]}])),
    );
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(app.member_ids(&group), sorted(&[refs[1], refs[3]]));
}

#[test]
fn patch_remove_with_value_filter_path_removes_that_member() {
    let app = TestApp::new();
    let ids: Vec<String> = (0..4)
        .map(|i| app.create_user_id(&format!("u{i}")))
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let group = app.create_group_id("G", &refs);
    let reply = app.patch(
        &format!("/Groups/{group}"),
        &patch_body(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[1])}])),
    );
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(app.member_ids(&group), sorted(&[refs[0], refs[2], refs[3]]));
    let reply = app.patch(
        &format!("/Groups/{group}"),
        &patch_body(json!([{"op": "remove", "path": format!(
            "members[value eq \"{}\" or value eq \"{}\"]", ids[0], ids[3])}])),
    );
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(app.member_ids(&group), sorted(&[refs[2]]));
}

#[test]
fn patch_bare_remove_of_members_clears_them_all() {
    let app = TestApp::new();
    let u1 = app.create_user_id("u1");
    let u2 = app.create_user_id("u2");
    let group = app.create_group_id("G", &[&u1, &u2]);
    let reply = app.patch(
        &format!("/Groups/{group}"),
        &patch_body(json!([{"op": "remove", "path": "members"}])),
    );
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert!(app.member_ids(&group).is_empty());
    assert_eq!(app.get_ok(&format!("/Users/{u1}"))["userName"], "u1");
}

#[test]
fn patch_replace_members_sets_the_exact_list() {
    let app = TestApp::new();
    let ids: Vec<String> = (0..4)
        .map(|i| app.create_user_id(&format!("u{i}")))
        .collect();
    let group = app.create_group_id("G", &[&ids[0], &ids[1]]);
    let reply = app.patch(
        &format!("/Groups/{group}"),
        &patch_body(json!([{"op": "replace", "path": "members",
            "value": [{"value": ids[1]}, {"value": ids[2]}, {"value": ids[3]}]}])),
    );
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(app.member_ids(&group), sorted(&[&ids[1], &ids[2], &ids[3]]));
}

#[test]
fn okta_path_less_replace_with_id_and_display_name_renames_the_group() {
    let app = TestApp::new();
    let u1 = app.create_user_id("u1");
    let group = app.create_group_id("Old name", &[&u1]);
    let reply = app.patch(
        &format!("/Groups/{group}"),
        &patch_body(json!([{"op": "replace", "value": {"id": group, "displayName": "New name"}}])),
    );
    assert_eq!(reply.status, 204, "{}", reply.text);
    let body = app.get_ok(&format!("/Groups/{group}"));
    assert_eq!(body["displayName"], "New name");
    assert_eq!(app.member_ids(&group), vec![u1]);
    assert_eq!(
        app.filter_ids("Groups", "displayName eq \"new NAME\""),
        vec![group]
    );
}

#[test]
fn patch_with_attributes_query_answers_200_with_the_group() {
    let app = TestApp::new();
    let u1 = app.create_user_id("u1");
    let group = app.create_group_id("G", &[]);
    let reply = app.patch(
        &format!("/Groups/{group}?attributes=displayName,members"),
        &patch_body(json!([{"op": "add", "path": "members", "value": [{"value": u1}]}])),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["id"], group.as_str());
    assert_eq!(body["displayName"], "G");
    assert_eq!(body["members"][0]["value"], u1.as_str());
    assert!(reply.header("etag").is_some());
}

#[test]
fn excluded_attributes_members_omits_members_on_get_and_list() {
    let app = TestApp::new();
    let u1 = app.create_user_id("u1");
    let group = app.create_group_id("EDU All personal", &[&u1]);
    let body = app.get_ok(&format!("/Groups/{group}?excludedAttributes=members"));
    assert!(body.get("members").is_none(), "{body}");
    assert_eq!(body["displayName"], "EDU All personal");
    let list = app.get_ok(&format!(
        "/Groups?excludedAttributes=members&filter={}",
        enc("displayName eq \"EDU All personal\"")
    ));
    assert_eq!(list["totalResults"], 1);
    assert!(list["Resources"][0].get("members").is_none(), "{list}");
    assert_eq!(list["Resources"][0]["id"], group.as_str());
    let full = app.get_ok("/Groups");
    assert_eq!(full["Resources"][0]["members"][0]["value"], u1.as_str());
}

#[test]
fn user_groups_lists_the_users_memberships() {
    let app = TestApp::new();
    let u1 = app.create_user_id("u1");
    let g1 = app.create_group_id("G1", &[&u1]);
    let g2 = app.create_group_id("G2", &[&u1]);
    app.create_group_id("G3", &[]);
    let body = app.get_ok(&format!("/Users/{u1}"));
    let mut groups: Vec<String> = body["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("no groups: {body}"))
        .iter()
        .map(|g| g["value"].as_str().unwrap().to_owned())
        .collect();
    groups.sort();
    assert_eq!(groups, sorted(&[&g1, &g2]));
    let list = app.get_ok(&format!("/Users?filter={}", enc("userName eq \"u1\"")));
    assert_eq!(list["Resources"][0]["groups"].as_array().unwrap().len(), 2);
}

#[test]
fn deleting_a_group_removes_its_membership_rows() {
    let app = TestApp::new();
    let u1 = app.create_user_id("u1");
    let inner = app.create_group_id("Inner", &[&u1]);
    let outer = app.create_group_id("Outer", &[&inner, &u1]);
    let reply = app.delete(&format!("/Groups/{inner}"));
    assert_eq!(reply.status, 204, "{}", reply.text);
    app.get(&format!("/Groups/{inner}")).scim_error(404);
    assert_eq!(app.member_ids(&outer), vec![u1.clone()]);
    let user = app.get_ok(&format!("/Users/{u1}"));
    let groups = user["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{user}");
    assert_eq!(groups[0]["value"], outer.as_str());
    // The name is free again.
    app.create_group_id("Inner", &[]);
}

#[test]
fn put_group_replaces_display_name_and_members() {
    let app = TestApp::new();
    let u1 = app.create_user_id("u1");
    let u2 = app.create_user_id("u2");
    let group = app.create_group_id("G", &[&u1]);
    let reply = app.put(
        &format!("/Groups/{group}"),
        &json!({"schemas": [GROUP_SCHEMA], "displayName": "G2", "members": [{"value": u2}]}),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["displayName"], "G2");
    assert_eq!(app.member_ids(&group), vec![u2]);
}

#[test]
fn group_writes_honour_if_match() {
    let app = TestApp::new();
    let created = app.create_group("G", &[]);
    let id = created["id"].as_str().unwrap();
    let stale = created["meta"]["version"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{id}");
    let reply = app.patch(
        &path,
        &patch_body(json!([{"op": "replace", "path": "displayName", "value": "H"}])),
    );
    assert_eq!(reply.status, 204);
    let if_match = [("if-match", stale.as_str())];
    let body = patch_body(json!([{"op": "replace", "path": "displayName", "value": "I"}]));
    app.send_with("PATCH", &path, &if_match, Some(&body))
        .scim_error(412);
    app.send_with("DELETE", &path, &if_match, None)
        .scim_error(412);
    let current = reply.header("etag").unwrap().to_owned();
    let cached = app.send_with("GET", &path, &[("if-none-match", &current)], None);
    assert_eq!(cached.status, 304);
    assert_eq!(app.get_ok(&path)["displayName"], "H");
}

#[test]
fn unknown_group_id_is_a_scim_404() {
    let app = TestApp::new();
    app.get("/Groups/no-such-group").scim_error(404);
    app.delete("/Groups/no-such-group").scim_error(404);
    app.patch(
        "/Groups/no-such-group",
        &patch_body(json!([{"op": "remove", "path": "members"}])),
    )
    .scim_error(404);
}
