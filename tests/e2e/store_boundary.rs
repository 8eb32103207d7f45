//! Issue 11 over the wire: `Location` whatever the projection, every `If-Match` tag on
//! DELETE, the root search across types, `members[].display` round-tripping, sorting with
//! missing values, and the round trips of group writes.

use crate::helpers::{enc, patch_body, queries, TestApp};
use serde_json::{json, Value};

const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

#[test]
fn post_with_attributes_sends_location_and_etag() {
    let app = TestApp::new();
    let reply = app.post("/Users?attributes=userName", &json!({"userName": "loc"}));
    assert_eq!(reply.status, 201, "{}", reply.text);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    assert!(reply.json().get("meta").is_none());
    let location = reply.header("location").expect("Location");
    assert_eq!(location, app.url(&format!("/Users/{id}")));
    assert!(reply.header("etag").is_some());
}

#[test]
fn delete_honours_any_listed_if_match_tag() {
    let app = TestApp::new();
    let created = app.post("/Users", &json!({"userName": "tags"}));
    let etag = created.header("etag").unwrap().to_owned();
    let path = format!("/Users/{}", created.json()["id"].as_str().unwrap());
    let wrong = app.send_with("DELETE", &path, &[("if-match", "W/\"1\"")], None);
    assert_eq!(wrong.status, 412, "{}", wrong.text);
    let list = format!("W/\"1\", {etag}");
    let ok = app.send_with("DELETE", &path, &[("if-match", &list)], None);
    assert_eq!(ok.status, 204, "{}", ok.text);
    assert_eq!(queries(&ok), 1);
}

#[test]
fn root_search_with_a_user_only_attribute_matches_no_group() {
    let app = TestApp::new();
    let id = app.create_user_id("rooted");
    app.create_group_id("rooted", &[]);
    let reply = app.post(
        "/.search",
        &json!({"schemas": [SEARCH], "filter": "userName eq \"rooted\""}),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["totalResults"], 1, "{body}");
    assert_eq!(body["Resources"][0]["id"], id.as_str());
}

#[test]
fn member_display_round_trips() {
    let app = TestApp::new();
    let a = app.create_user_id("display-a");
    let b = app.create_user_id("display-b");
    let created = app.post(
        "/Groups",
        &json!({"displayName": "Shown", "members": [
            {"value": a, "display": "As Sent"}, {"value": b}]}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let gid = created.json()["id"].as_str().unwrap().to_owned();
    let display = |body: &Value, id: &str| {
        body["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["value"] == id)
            .map(|m| m["display"].clone())
            .unwrap()
    };
    let got = app.get_ok(&format!("/Groups/{gid}"));
    assert_eq!(display(&got, &a), "As Sent");
    assert_eq!(display(&got, &b), "display-b");
    let patched = app.patch(
        &format!("/Groups/{gid}?attributes=members"),
        &patch_body(json!([{"op": "add", "path": "members",
                            "value": [{"value": b, "display": "B Sent"}]}])),
    );
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(queries(&patched), 2);
    assert_eq!(display(&patched.json(), &b), "B Sent");
}

#[test]
fn users_without_the_sort_value_sort_last_ascending_first_descending() {
    let app = TestApp::new();
    app.post("/Users", &json!({"userName": "s-none"}));
    app.post("/Users", &json!({"userName": "s-b", "title": "b"}));
    app.post("/Users", &json!({"userName": "s-a", "title": "A"}));
    let names = |query: &str| -> Vec<String> {
        app.get_ok(&format!("/Users?{query}"))["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["userName"].as_str().unwrap().to_owned())
            .collect()
    };
    let filter = enc("userName sw \"s-\"");
    assert_eq!(
        names(&format!("filter={filter}&sortBy=title")),
        ["s-a", "s-b", "s-none"]
    );
    assert_eq!(
        names(&format!(
            "filter={filter}&sortBy=title&sortOrder=descending"
        )),
        ["s-none", "s-b", "s-a"]
    );
}
