//! Tenant isolation: one org's token never opens another org, and one org's ids, names and
//! filters never reach into another.

use crate::helpers::{enc, patch_body, send, TestApp, GROUP_SCHEMA, USER_SCHEMA};
use serde_json::json;

/// Every SCIM route and method, with a body where the method takes one.
fn routes(user_id: &str, group_id: &str) -> Vec<(&'static str, String, Option<String>)> {
    let user = json!({"schemas": [USER_SCHEMA], "userName": "intruder"}).to_string();
    let group = json!({"schemas": [GROUP_SCHEMA], "displayName": "intruders"}).to_string();
    let patch =
        patch_body(json!([{"op": "replace", "path": "displayName", "value": "x"}])).to_string();
    let search =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}).to_string();
    vec![
        ("GET", "/ServiceProviderConfig".into(), None),
        ("GET", "/Schemas".into(), None),
        (
            "GET",
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User".into(),
            None,
        ),
        ("GET", "/ResourceTypes".into(), None),
        ("GET", "/ResourceTypes/User".into(), None),
        ("GET", "/Users".into(), None),
        ("POST", "/Users".into(), Some(user.clone())),
        ("POST", "/Users/.search".into(), Some(search.clone())),
        ("GET", format!("/Users/{user_id}"), None),
        ("PUT", format!("/Users/{user_id}"), Some(user)),
        ("PATCH", format!("/Users/{user_id}"), Some(patch.clone())),
        ("DELETE", format!("/Users/{user_id}"), None),
        ("GET", "/Groups".into(), None),
        ("POST", "/Groups".into(), Some(group.clone())),
        ("POST", "/Groups/.search".into(), Some(search.clone())),
        ("GET", format!("/Groups/{group_id}"), None),
        ("PUT", format!("/Groups/{group_id}"), Some(group)),
        ("PATCH", format!("/Groups/{group_id}"), Some(patch)),
        ("DELETE", format!("/Groups/{group_id}"), None),
        ("POST", "/.search".into(), Some(search)),
        ("POST", "/Bulk".into(), Some("{}".into())),
        ("GET", "/Me".into(), None),
    ]
}

#[test]
fn another_orgs_token_is_401_on_every_route_and_method() {
    let a = TestApp::new();
    let b = TestApp::new();
    let user = b.create_user_id("victim");
    let group = b.create_group_id("Victims", &[&user]);
    for (method, path, body) in routes(&user, &group) {
        let reply = send(
            method,
            &b.url(&path),
            &[
                ("authorization", &a.auth()),
                ("content-type", "application/scim+json"),
            ],
            body.as_deref(),
        );
        let error = reply.scim_error(401);
        assert!(error.get("scimType").is_none(), "{method} {path}: {error}");
    }
    // Nothing in B changed.
    assert_eq!(b.get_ok(&format!("/Users/{user}"))["userName"], "victim");
    assert_eq!(b.member_ids(&group), vec![user]);
    assert_eq!(b.get_ok("/Users")["totalResults"], 1);
    assert_eq!(b.get_ok("/Groups")["totalResults"], 1);
}

#[test]
fn another_orgs_ids_are_404_for_every_method() {
    let a = TestApp::new();
    let b = TestApp::new();
    let user = a.create_user_id("owner");
    let group = a.create_group_id("Owners", &[&user]);
    let user_path = format!("/Users/{user}");
    let group_path = format!("/Groups/{group}");
    b.get(&user_path).scim_error(404);
    b.put(
        &user_path,
        &json!({"schemas": [USER_SCHEMA], "userName": "owner"}),
    )
    .scim_error(404);
    b.patch(
        &user_path,
        &patch_body(json!([{"op": "replace", "path": "active", "value": false}])),
    )
    .scim_error(404);
    b.delete(&user_path).scim_error(404);
    b.get(&group_path).scim_error(404);
    b.put(
        &group_path,
        &json!({"schemas": [GROUP_SCHEMA], "displayName": "Owners"}),
    )
    .scim_error(404);
    b.patch(
        &group_path,
        &patch_body(json!([{"op": "remove", "path": "members"}])),
    )
    .scim_error(404);
    b.delete(&group_path).scim_error(404);
    // A's resources are untouched.
    let owner = a.get_ok(&user_path);
    assert_eq!(owner["active"], true);
    assert_eq!(a.member_ids(&group), vec![user]);
}

#[test]
fn another_orgs_ids_cannot_become_members() {
    let a = TestApp::new();
    let b = TestApp::new();
    let foreign_user = a.create_user_id("foreign");
    let foreign_group = a.create_group_id("Foreign", &[]);
    let body = b
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": "Mine",
                    "members": [{"value": foreign_user}, {"value": foreign_group}]}),
        )
        .scim_error(400);
    assert_eq!(body["scimType"], "invalidValue");
    let mine = b.create_group_id("Mine", &[]);
    b.patch(
        &format!("/Groups/{mine}"),
        &patch_body(json!([{"op": "add", "path": "members", "value": [{"value": foreign_user}]}])),
    )
    .scim_error(400);
    assert!(b.member_ids(&mine).is_empty());
    assert!(a
        .get_ok(&format!("/Users/{foreign_user}"))
        .get("groups")
        .is_none());
}

#[test]
fn the_same_user_name_and_display_name_in_two_orgs_are_independent() {
    let a = TestApp::new();
    let b = TestApp::new();
    let in_a = a.create_user_id("shared@example.com");
    let in_b = b.create_user_id("Shared@Example.com");
    assert_ne!(in_a, in_b);
    let ga = a.create_group_id("Everyone", &[&in_a]);
    let gb = b.create_group_id("everyone", &[&in_b]);
    assert_eq!(
        a.filter_ids("Users", "userName eq \"shared@example.com\""),
        vec![in_a.clone()]
    );
    assert_eq!(
        b.filter_ids("Users", "userName eq \"shared@example.com\""),
        vec![in_b.clone()]
    );
    assert_eq!(
        a.filter_ids("Groups", "displayName eq \"Everyone\""),
        vec![ga]
    );
    assert_eq!(
        b.filter_ids("Groups", "displayName eq \"Everyone\""),
        vec![gb]
    );
    // Deleting in one org leaves the other alone.
    assert_eq!(a.delete(&format!("/Users/{in_a}")).status, 204);
    assert_eq!(
        b.get_ok(&format!("/Users/{in_b}"))["userName"],
        "Shared@Example.com"
    );
}

#[test]
fn filters_in_one_org_never_return_another_orgs_resources() {
    let a = TestApp::new();
    let b = TestApp::new();
    for i in 0..3 {
        a.create_user_id(&format!("a-user-{i}"));
    }
    a.create_group_id("A group", &[]);
    let mine = b.create_user_id("b-user");
    for filter in [
        "userName sw \"a-user\"",
        "userName pr",
        "userName eq \"a-user-0\" or userName eq \"b-user\"",
        "not (userName eq \"nobody\")",
        "meta.created gt \"2000-01-01T00:00:00Z\"",
        "emails.value co \"example.com\"",
    ] {
        let found = b.filter_ids("Users", filter);
        assert!(
            found.is_empty() || found == vec![mine.clone()],
            "{filter}: {found:?}"
        );
    }
    assert!(b.filter_ids("Groups", "displayName pr").is_empty());
    let everything = b.post(
        "/.search",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}),
    );
    assert_eq!(everything.status, 200, "{}", everything.text);
    assert_eq!(everything.json()["totalResults"], 1);
    let page = b.get_ok(&format!("/Users?count=200&filter={}", enc("userName pr")));
    assert_eq!(page["totalResults"], 1);
}
