//! The store seam seen from the wire: outcomes decoded from rows whatever shape D1 gives them
//! in, one `If-Match` rule for every write, `Location` from the resource rather than its
//! projected body, round trips per request, and `members[].display` round-tripping.

use super::test_app::{Reply, TestApp};
use crate::core::http::Method;
use serde_json::{json, Value};

fn queries(reply: &Reply) -> &str {
    reply.header("server-timing").unwrap_or("")
}

fn search(app: &TestApp, path: &str, body: Value) -> Reply {
    app.call(Method::Post, path, Some(&body), vec![])
}

#[test]
fn results_shaped_like_d1s_decode_the_same() {
    // Numbers as floats and no `meta`: a create is 201 (not a false 409), a duplicate 409,
    // a write 200 and a delete 204, exactly as with SQLite's own results.
    let app = TestApp::new();
    app.db.d1_shaped.set(true);
    let reply = app.post("/Users", &json!({"userName": "float"}));
    assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let again = app.post("/Users", &json!({"userName": "FLOAT"}));
    assert_eq!(again.status, 409);
    let group = app.post(
        "/Groups",
        &json!({"displayName": "G", "members": [{"value": id}]}),
    );
    assert_eq!(group.status, 201, "{:?}", group.response.body);
    let put = app.put(
        &format!("/Users/{id}"),
        &json!({"userName": "float", "title": "T"}),
    );
    assert_eq!(put.status, 200, "{:?}", put.response.body);
    let list = app.get("/Users?sortBy=title");
    assert_eq!(list.json()["totalResults"], 1);
    assert_eq!(app.delete(&format!("/Users/{id}")).status, 204);
    assert_eq!(app.delete(&format!("/Users/{id}")).status, 404);
}

#[test]
fn post_with_attributes_still_sends_location() {
    let app = TestApp::new();
    for (path, body) in [
        ("/Users?attributes=userName", json!({"userName": "loc"})),
        (
            "/Users?excludedAttributes=meta",
            json!({"userName": "loc2"}),
        ),
        (
            "/Groups?attributes=displayName",
            json!({"displayName": "Loc"}),
        ),
    ] {
        let reply = app.post(path, &body);
        assert_eq!(reply.status, 201, "{path}");
        let body = reply.json();
        assert!(body.get("meta").is_none(), "{path}: {body}");
        let id = body["id"].as_str().unwrap();
        let location = reply.header("location").expect("Location");
        assert!(
            location.starts_with("https://scim.example.com/scim/v2/acme/"),
            "{location}"
        );
        assert!(location.ends_with(&format!("s/{id}")), "{location}");
        assert!(reply.header("etag").is_some());
    }
}

#[test]
fn delete_honours_every_if_match_tag_like_put_and_patch() {
    let app = TestApp::new();
    for rt in ["Users", "Groups"] {
        let body = if rt == "Users" {
            json!({"userName": "tagged"})
        } else {
            json!({"displayName": "tagged"})
        };
        let created = app.post(&format!("/{rt}"), &body);
        let etag = created.header("etag").unwrap().to_owned();
        let path = format!("/{rt}/{}", created.json()["id"].as_str().unwrap());
        let other = "W/\"1\"";
        let refused = app.call(Method::Delete, &path, None, vec![("if-match", other)]);
        assert_eq!(refused.status, 412, "{rt}");
        let refused = app.call(Method::Delete, &path, None, vec![("if-match", "\"junk\"")]);
        assert_eq!(refused.status, 412, "{rt}");
        // The matching tag second in the list counts, as it does for PUT.
        let list = format!("{other}, {etag}");
        let put = app.call(Method::Put, &path, Some(&body), vec![("if-match", &list)]);
        assert_eq!(put.status, 200, "{rt} put");
        let list = format!("{other}, {}", put.header("etag").unwrap());
        let deleted = app.call(Method::Delete, &path, None, vec![("if-match", &list)]);
        assert_eq!(deleted.status, 204, "{rt} delete");
        let gone = app.call(Method::Delete, &path, None, vec![("if-match", &list)]);
        assert_eq!(gone.status, 404, "{rt}");
    }
}

#[test]
fn a_refused_delete_changes_nothing() {
    let app = TestApp::new();
    let id = app.create_user("keep");
    let group = app.post(
        "/Groups",
        &json!({"displayName": "G", "members": [{"value": id}]}),
    );
    let gid = group.json()["id"].as_str().unwrap().to_owned();
    let before = app.get("/Users?count=0").json()["totalResults"].clone();
    let refused = app.call(
        Method::Delete,
        &format!("/Users/{id}"),
        None,
        vec![("if-match", "W/\"2\"")],
    );
    assert_eq!(refused.status, 412);
    assert_eq!(app.get("/Users?count=0").json()["totalResults"], before);
    let user = app.get(&format!("/Users/{id}"));
    assert_eq!(user.status, 200);
    assert_eq!(user.json()["groups"][0]["value"], gid.as_str());
}

#[test]
fn reads_cost_one_round_trip_and_writes_at_most_two() {
    let app = TestApp::new();
    let u = app.create_user("u");
    let created = app.post(
        "/Groups",
        &json!({"displayName": "G", "members": [{"value": u}]}),
    );
    // Checking the members is the first round trip; the insert (and its members) the second.
    assert_eq!(queries(&created), "d1;desc=\"queries=2\"");
    let gid = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        queries(&app.get(&format!("/Groups/{gid}"))),
        "d1;desc=\"queries=1\""
    );
    let put = app.put(
        &format!("/Groups/{gid}"),
        &json!({"displayName": "G2", "members": [{"value": u}]}),
    );
    assert_eq!(put.status, 200);
    // The members are read back in the write's own batch.
    assert_eq!(queries(&put), "d1;desc=\"queries=2\"");
    assert_eq!(put.json()["members"][0]["value"], u.as_str());
    let patch = app.patch(
        &format!("/Groups/{gid}?attributes=members"),
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "remove", "path": "members"}]}),
    );
    assert_eq!(patch.status, 200);
    assert_eq!(queries(&patch), "d1;desc=\"queries=2\"");
    assert_eq!(
        queries(&app.delete(&format!("/Groups/{gid}"))),
        "d1;desc=\"queries=1\""
    );
    assert_eq!(
        queries(&app.delete(&format!("/Users/{u}"))),
        "d1;desc=\"queries=1\""
    );
}

#[test]
fn root_search_on_an_attribute_only_users_have_matches_no_group() {
    let app = TestApp::new();
    let u = app.create_user("alice");
    app.post("/Groups", &json!({"displayName": "alice"}));
    let sr = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
    for filter in [
        "userName eq \"alice\"",
        "emails pr or userName sw \"al\"",
        "active eq true",
    ] {
        let reply = search(&app, "/.search", json!({"schemas": [sr], "filter": filter}));
        assert_eq!(reply.status, 200, "{filter}: {:?}", reply.response.body);
        let body = reply.json();
        assert_eq!(body["totalResults"], 1, "{filter}: {body}");
        assert_eq!(body["Resources"][0]["id"], u.as_str());
    }
    // An attribute only groups have, likewise.
    let reply = search(
        &app,
        "/.search",
        json!({"schemas": [sr], "filter": "members pr"}),
    );
    assert_eq!(reply.status, 200);
    // An attribute no type has is still refused, as is a malformed filter.
    for filter in ["nope eq \"x\"", "userName eq"] {
        let reply = search(&app, "/.search", json!({"schemas": [sr], "filter": filter}));
        assert_eq!(reply.status, 400, "{filter}");
    }
    // Per type, an unknown attribute stays an error.
    let reply = search(
        &app,
        "/Groups/.search",
        json!({"schemas": [sr], "filter": "userName eq \"a\""}),
    );
    assert_eq!(reply.status, 400);
}

#[test]
fn a_search_body_must_name_the_search_request_schema_everywhere() {
    let app = TestApp::new();
    for path in ["/.search", "/Users/.search", "/Groups/.search"] {
        let reply = search(&app, path, json!({"filter": "id pr"}));
        assert_eq!(
            (reply.status, reply.scim_type().as_deref()),
            (400, Some("invalidSyntax")),
            "{path}"
        );
        let reply = search(
            &app,
            path,
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:searchrequest"]}),
        );
        assert_eq!(reply.status, 200, "{path}");
    }
}

#[test]
fn member_display_round_trips_as_sent_else_shows_the_members_name() {
    let app = TestApp::new();
    let a = app.create_user("a@example.com");
    let b = app.create_user("b@example.com");
    let inner = app.post("/Groups", &json!({"displayName": "Inner"})).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = app.post(
        "/Groups",
        &json!({"displayName": "G", "members": [
            {"value": a, "display": "Alice Sent"},
            {"value": b},
            {"value": inner, "type": "Group"}]}),
    );
    assert_eq!(created.status, 201);
    let gid = created.json()["id"].as_str().unwrap().to_owned();
    let display_of = |body: &Value, id: &str| -> Value {
        body["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["value"] == id)
            .map(|m| m["display"].clone())
            .unwrap_or(Value::Null)
    };
    for body in [
        created.json(),
        app.get(&format!("/Groups/{gid}")).json(),
        app.get(&format!("/Groups?filter=id eq \"{gid}\"")).json()["Resources"][0].clone(),
    ] {
        assert_eq!(display_of(&body, &a), "Alice Sent", "{body}");
        assert_eq!(display_of(&body, &b), "b@example.com", "{body}");
        assert_eq!(display_of(&body, &inner), "Inner", "{body}");
    }
    // PATCH add with a display sets it; a re-add without one keeps it.
    let op = |display: Option<&str>| {
        let mut member = json!({"value": b});
        if let Some(d) = display {
            member["display"] = json!(d);
        }
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "add", "path": "members", "value": [member]}]})
    };
    assert_eq!(
        app.patch(&format!("/Groups/{gid}"), &op(Some("Bob Sent")))
            .status,
        204
    );
    assert_eq!(app.patch(&format!("/Groups/{gid}"), &op(None)).status, 204);
    let body = app.get(&format!("/Groups/{gid}")).json();
    assert_eq!(display_of(&body, &b), "Bob Sent");
    // PUT replaces the list, displays included.
    let put = app.put(
        &format!("/Groups/{gid}"),
        &json!({"displayName": "G", "members": [{"value": a}]}),
    );
    assert_eq!(display_of(&put.json(), &a), "a@example.com");
}

#[test]
fn schemas_document_the_member_display_rule() {
    let app = TestApp::new();
    let schema = app
        .get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group")
        .json();
    let members = schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "members")
        .expect("members")
        .clone();
    let display = members["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "display")
        .expect("display")
        .clone();
    assert_eq!(display["mutability"], "readWrite", "{display}");
    assert!(display["description"]
        .as_str()
        .unwrap()
        .contains("as the client sent it"));
}
