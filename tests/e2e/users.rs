//! Issue "Users": the user lifecycle as Entra ID, Okta and OneLogin drive it.

use crate::helpers::{enc, patch_body, queries, TestApp, ENTERPRISE, USER_SCHEMA};
use serde_json::json;

#[test]
fn post_user_answers_201_with_location_etag_and_meta() {
    let app = TestApp::new();
    let reply = app.post(
        "/Users",
        &json!({
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_00aa00aa",
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": "Test_User_11bb@testuser.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "roles": []
        }),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    let body = reply.json();
    let id = body["id"].as_str().expect("id");
    let location = app.url(&format!("/Users/{id}"));
    assert_eq!(reply.header("location"), Some(location.as_str()));
    let etag = reply.header("etag").expect("ETag");
    assert_eq!(body["meta"]["version"], etag);
    assert_eq!(body["meta"]["resourceType"], "User");
    assert_eq!(body["meta"]["location"], location);
    assert!(location.starts_with("http"), "{location}");
    assert!(body["meta"]["created"].as_str().is_some());
    assert_eq!(body["meta"]["created"], body["meta"]["lastModified"]);
    assert_eq!(body["userName"], "Test_User_00aa00aa");
    assert_eq!(body["externalId"], "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
    assert_eq!(body["active"], true);
    assert_eq!(body["schemas"][0], USER_SCHEMA);
    assert!(queries(&reply) <= 2, "{:?}", reply.header("server-timing"));
}

#[test]
fn duplicate_user_name_in_any_case_is_409_and_the_filter_finds_the_same_user() {
    let app = TestApp::new();
    let id = app.create_user_id("Alice@Contoso.com");
    for name in [
        "Alice@Contoso.com",
        "alice@contoso.com",
        "ALICE@CONTOSO.COM",
    ] {
        let body = app
            .post(
                "/Users",
                &json!({"schemas": [USER_SCHEMA], "userName": name}),
            )
            .scim_error(409);
        assert_eq!(body["scimType"], "uniqueness", "{body}");
        let found = app.filter_ids("Users", &format!("userName eq \"{name}\""));
        assert_eq!(found, vec![id.clone()], "filter for {name}");
    }
}

#[test]
fn get_user_returns_the_resource_with_one_query() {
    let app = TestApp::new();
    let id = app.create_user_id("bob");
    let reply = app.get(&format!("/Users/{id}"));
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["userName"], "bob");
    assert_eq!(body["emails"][0]["value"], "bob@example.com");
    assert_eq!(reply.header("etag"), body["meta"]["version"].as_str());
    assert_eq!(queries(&reply), 1);
}

#[test]
fn deactivated_user_is_still_returned_by_get_and_filter() {
    let app = TestApp::new();
    let id = app.create_user_id("carol");
    let reply = app.patch(
        &format!("/Users/{id}"),
        &patch_body(json!([{"op": "Replace", "path": "active", "value": "False"}])),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["active"], false);
    assert_eq!(app.get_ok(&format!("/Users/{id}"))["active"], false);
    let list = app.get_ok(&format!("/Users?filter={}", enc("userName eq \"carol\"")));
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["active"], false);
}

#[test]
fn unknown_user_id_is_a_scim_404() {
    let app = TestApp::new();
    let body = app
        .get("/Users/00000000-0000-0000-0000-000000000000")
        .scim_error(404);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[test]
fn put_replaces_the_whole_user() {
    let app = TestApp::new();
    let created = app.create_user("dave");
    let id = created["id"].as_str().unwrap();
    let reply = app.put(
        &format!("/Users/{id}"),
        &json!({
            "schemas": [USER_SCHEMA],
            "userName": "dave",
            "displayName": "Dave D",
            "active": false
        }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["displayName"], "Dave D");
    assert_eq!(body["active"], false);
    assert!(body.get("emails").is_none(), "emails survived PUT: {body}");
    assert!(body.get("name").is_none(), "name survived PUT: {body}");
    assert_eq!(body["meta"]["created"], created["meta"]["created"]);
    assert_ne!(body["meta"]["version"], created["meta"]["version"]);
    let again = app.get_ok(&format!("/Users/{id}"));
    assert_eq!(again["displayName"], "Dave D");
    assert!(again.get("emails").is_none());
}

#[test]
fn patch_with_entra_default_body_applies_every_operation() {
    let app = TestApp::new();
    let id = app.create_user_id("erin");
    let manager = app.create_user_id("boss");
    let reply = app.patch(
        &format!("/Users/{id}"),
        &patch_body(json!([
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "TestBcwqnm@test.microsoft.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
            {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
            {"op": "Replace", "path": "externalId", "value": "Eqpj"},
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "Eqpj"},
            {"op": "Add", "path": format!("{ENTERPRISE}:department"), "value": "Retail"},
            {"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": manager},
            {"op": "Replace", "path": "active", "value": "False"}
        ])),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["displayName"], "Pvlo");
    assert_eq!(body["name"]["givenName"], "Gtfd");
    assert_eq!(body["name"]["familyName"], "Pkqf");
    assert_eq!(body["externalId"], "Eqpj");
    assert_eq!(body["nickName"], "Babs");
    assert_eq!(body["active"], false);
    let emails = body["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 1, "{body}");
    assert_eq!(emails[0]["value"], "TestBcwqnm@test.microsoft.com");
    assert_eq!(body[ENTERPRISE]["employeeNumber"], "Eqpj");
    assert_eq!(body[ENTERPRISE]["department"], "Retail");
    assert_eq!(body[ENTERPRISE]["manager"]["value"], manager.as_str());
    assert!(body["schemas"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == ENTERPRISE));
    assert!(queries(&reply) <= 2, "{:?}", reply.header("server-timing"));
    assert_eq!(app.get_ok(&format!("/Users/{id}")), body);
}

#[test]
fn patch_on_absent_work_email_creates_it() {
    let app = TestApp::new();
    let id = app
        .post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "userName": "frank"}),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for op in ["Add", "Replace"] {
        let value = format!("{op}@example.com");
        let reply = app.patch(
            &format!("/Users/{id}"),
            &patch_body(
                json!([{"op": op, "path": "emails[type eq \"work\"].value", "value": value}]),
            ),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        let body = reply.json();
        let emails = body["emails"].as_array().unwrap();
        assert_eq!(emails.len(), 1, "{body}");
        assert_eq!(emails[0]["type"], "work");
        assert_eq!(emails[0]["value"], value.as_str());
    }
    let found = app.filter_ids(
        "Users",
        "emails[type eq \"work\"].value eq \"replace@example.com\"",
    );
    assert_eq!(found, vec![id]);
}

#[test]
fn patch_with_aad_opt_scim_062020_path_less_object_sets_sub_attributes_and_urn_keys() {
    let app = TestApp::new();
    let id = app.create_user_id("gina");
    let reply = app.patch(
        &format!("/Users/{id}?aadOptscim062020"),
        &patch_body(json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "TestMhvaes@test.microsoft.com"},
            {"op": "replace", "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                format!("{ENTERPRISE}:employeeNumber"): "Aklq"
            }},
            {"op": "replace", "path": "active", "value": false}
        ])),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["displayName"], "Bjfe");
    assert_eq!(body["name"]["givenName"], "Kkom");
    assert_eq!(body["name"]["familyName"], "Unua");
    assert_eq!(body[ENTERPRISE]["employeeNumber"], "Aklq");
    assert_eq!(body["emails"][0]["value"], "TestMhvaes@test.microsoft.com");
    assert_eq!(body["active"], false);
    assert!(body.get("name.givenName").is_none(), "{body}");
    assert!(body.get(format!("{ENTERPRISE}:employeeNumber")).is_none());
}

#[test]
fn okta_path_less_replace_of_active_deactivates() {
    let app = TestApp::new();
    let id = app.create_user_id("hank");
    let reply = app.patch(
        &format!("/Users/{id}"),
        &patch_body(json!([{"op": "replace", "value": {"active": false}}])),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["active"], false);
    let reply = app.patch(
        &format!("/Users/{id}"),
        &patch_body(json!([{"op": "Replace", "path": "active", "value": "True"}])),
    );
    assert_eq!(reply.json()["active"], true);
}

#[test]
fn patch_with_unknown_attribute_is_400_invalid_path_naming_it() {
    let app = TestApp::new();
    let id = app.create_user_id("ivan");
    let before = app.get_ok(&format!("/Users/{id}"));
    let body = app
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([
                {"op": "Replace", "path": "displayName", "value": "Changed"},
                {"op": "Replace", "path": "favouriteColour", "value": "blue"}
            ])),
        )
        .scim_error(400);
    assert_eq!(body["scimType"], "invalidPath", "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("favouriteColour"),
        "{body}"
    );
    assert_eq!(app.get_ok(&format!("/Users/{id}")), before);
}

#[test]
fn post_with_unknown_attribute_is_400_naming_it() {
    let app = TestApp::new();
    let body = app
        .post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "userName": "jill", "favouriteColour": "blue"}),
        )
        .scim_error(400);
    assert!(
        body["detail"].as_str().unwrap().contains("favouriteColour"),
        "{body}"
    );
}

#[test]
fn read_only_input_is_ignored_and_password_never_returned() {
    let app = TestApp::new();
    let reply = app.post(
        "/Users",
        &json!({
            "schemas": [USER_SCHEMA],
            "id": "chosen-by-client",
            "userName": "kate",
            "password": "hunter2!",
            "groups": [{"value": "x"}],
            "meta": {"resourceType": "User", "created": "2001-01-01T00:00:00Z"}
        }),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    let body = reply.json();
    assert_ne!(body["id"], "chosen-by-client");
    assert_ne!(body["meta"]["created"], "2001-01-01T00:00:00Z");
    assert!(body.get("password").is_none(), "{body}");
    assert!(body.get("groups").is_none(), "{body}");
    assert!(!reply.text.contains("hunter2"));
    let id = body["id"].as_str().unwrap();
    let got = app.get(&format!("/Users/{id}"));
    assert!(!got.text.contains("hunter2"));
    assert!(got.json().get("password").is_none());
    let list = app.get("/Users?attributes=password,userName");
    assert!(!list.text.contains("hunter2"), "{}", list.text);
}

#[test]
fn delete_user_is_204_then_404_and_the_user_leaves_its_groups() {
    let app = TestApp::new();
    let id = app.create_user_id("leo");
    let other = app.create_user_id("mia");
    let group = app.create_group_id("Team", &[&id, &other]);
    let reply = app.delete(&format!("/Users/{id}"));
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert!(reply.text.is_empty());
    app.get(&format!("/Users/{id}")).scim_error(404);
    app.delete(&format!("/Users/{id}")).scim_error(404);
    assert_eq!(app.member_ids(&group), vec![other]);
}

#[test]
fn stale_if_match_is_412_on_put_patch_and_delete() {
    let app = TestApp::new();
    let created = app.create_user("nina");
    let id = created["id"].as_str().unwrap();
    let stale = created["meta"]["version"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    let reply = app.patch(
        &path,
        &patch_body(json!([{"op": "replace", "path": "displayName", "value": "N"}])),
    );
    assert_eq!(reply.status, 200);
    let current = reply.header("etag").unwrap().to_owned();
    let if_match = [("if-match", stale.as_str())];
    let put = json!({"schemas": [USER_SCHEMA], "userName": "nina"});
    app.send_with("PUT", &path, &if_match, Some(&put))
        .scim_error(412);
    let patch = patch_body(json!([{"op": "replace", "path": "title", "value": "T"}]));
    app.send_with("PATCH", &path, &if_match, Some(&patch))
        .scim_error(412);
    app.send_with("DELETE", &path, &if_match, None)
        .scim_error(412);
    assert_eq!(app.get_ok(&path)["displayName"], "N");
    let ok = app.send_with("PATCH", &path, &[("if-match", &current)], Some(&patch));
    assert_eq!(ok.status, 200, "{}", ok.text);
    let newest = ok.header("etag").unwrap().to_owned();
    let deleted = app.send_with("DELETE", &path, &[("if-match", &newest)], None);
    assert_eq!(deleted.status, 204, "{}", deleted.text);
}

#[test]
fn if_none_match_with_the_current_version_is_304() {
    let app = TestApp::new();
    let created = app.create_user("olga");
    let id = created["id"].as_str().unwrap();
    let etag = created["meta"]["version"].as_str().unwrap();
    let reply = app.send_with(
        "GET",
        &format!("/Users/{id}"),
        &[("if-none-match", etag)],
        None,
    );
    assert_eq!(reply.status, 304, "{}", reply.text);
    assert!(reply.text.is_empty());
    assert_eq!(reply.header("etag"), Some(etag));
    let other = app.send_with(
        "GET",
        &format!("/Users/{id}"),
        &[("if-none-match", "W/\"nope\"")],
        None,
    );
    assert_eq!(other.status, 200);
}

#[test]
fn user_reads_cost_one_query_and_writes_at_most_two() {
    let app = TestApp::new();
    let reply = app.post(
        "/Users",
        &json!({"schemas": [USER_SCHEMA], "userName": "pat"}),
    );
    assert!(queries(&reply) <= 2);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    assert_eq!(queries(&app.get(&path)), 1);
    assert_eq!(queries(&app.get("/Users?filter=userName+eq+%22pat%22")), 1);
    let patched = app.patch(
        &path,
        &patch_body(json!([{"op": "add", "path": "title", "value": "Boss"}])),
    );
    assert_eq!(patched.status, 200);
    assert!(queries(&patched) <= 2);
    let put = app.put(&path, &json!({"schemas": [USER_SCHEMA], "userName": "pat"}));
    assert_eq!(put.status, 200);
    assert!(queries(&put) <= 2);
    let deleted = app.delete(&path);
    assert_eq!(deleted.status, 204);
    assert!(queries(&deleted) <= 2);
}

#[test]
fn changing_user_name_to_another_users_name_in_other_case_is_409() {
    let app = TestApp::new();
    app.create_user_id("quinn");
    let id = app.create_user_id("rose");
    let body = app
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "Replace", "path": "userName", "value": "QUINN"}])),
        )
        .scim_error(409);
    assert_eq!(body["scimType"], "uniqueness");
}
