//! Hostile and malformed requests through the whole service: every one answers the right SCIM
//! error (never a 500) and writes nothing.

use super::test_app::{Reply, TestApp};
use crate::core::http::{Method, MAX_BODY_BYTES};
use serde_json::{json, Value};

/// Every row of every table, in a stable order, for "nothing changed" assertions.
pub(crate) fn dump(app: &TestApp) -> String {
    let mut out = String::new();
    for (table, order) in [
        ("users", "org, id"),
        ("user_emails", "org, user_id, value_ci"),
        ("groups", "org, id"),
        ("group_members", "org, group_id, member_id"),
        // No change without its event, and no event without its change.
        ("events", "org, seq"),
    ] {
        let rows = app
            .db
            .query(&format!("SELECT * FROM {table} ORDER BY {order}"), vec![]);
        out.push_str(&format!(
            "{table}: {}\n",
            Value::from(rows.into_iter().map(Value::Object).collect::<Vec<_>>())
        ));
    }
    out
}

/// A SCIM error body (RFC 7644 §3.12) with this status and scimType.
#[track_caller]
pub(crate) fn assert_scim_error(reply: &Reply, status: u16, scim_type: Option<&str>) {
    assert_eq!(
        (reply.status, reply.scim_type().as_deref()),
        (status, scim_type),
        "{:?}",
        reply.response.body
    );
    let body = reply.json();
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(body["status"], status.to_string());
    assert_eq!(
        reply.header("content-type"),
        Some("application/scim+json"),
        "{:?}",
        reply.response.headers
    );
}

/// An app with one user (with an email) in one group, and their ids.
fn seeded() -> (TestApp, String, String) {
    let app = TestApp::new();
    let reply = app.post(
        "/Users",
        &json!({"userName": "alice", "emails": [{"value": "alice@example.com", "type": "work"}]}),
    );
    assert_eq!(reply.status, 201);
    let user = reply.json()["id"].as_str().unwrap().to_owned();
    let reply = app.post(
        "/Groups",
        &json!({"displayName": "Staff", "members": [{"value": user}]}),
    );
    assert_eq!(reply.status, 201);
    let group = reply.json()["id"].as_str().unwrap().to_owned();
    (app, user, group)
}

/// Sends `body` (raw bytes) with `content_type` to every write endpoint; each answer must be
/// `status`/`scim_type` and the database must be unchanged.
#[track_caller]
fn every_write_refuses(
    body: &[u8],
    content_type: Option<&str>,
    status: u16,
    scim_type: Option<&str>,
) {
    let (app, user, group) = seeded();
    let before = dump(&app);
    let auth = format!("Bearer {}", app.token);
    let base = format!("/scim/v2/{}", app.org);
    for (method, path) in [
        (Method::Post, format!("{base}/Users")),
        (Method::Put, format!("{base}/Users/{user}")),
        (Method::Patch, format!("{base}/Users/{user}")),
        (Method::Post, format!("{base}/Groups")),
        (Method::Put, format!("{base}/Groups/{group}")),
        (Method::Patch, format!("{base}/Groups/{group}")),
        (Method::Post, format!("{base}/Users/.search")),
        (Method::Post, format!("{base}/.search")),
    ] {
        let mut headers = vec![("authorization", auth.as_str())];
        if let Some(ct) = content_type {
            headers.push(("content-type", ct));
        }
        let reply = app.raw_bytes(method, &path, headers, body, None);
        assert_scim_error(&reply, status, scim_type);
        assert_eq!(dump(&app), before, "{method:?} {path} changed the database");
    }
}

#[test]
fn invalid_json_is_invalid_syntax_everywhere() {
    for body in [
        "{",
        "{\"userName\":}",
        "{\"userName\":\"a\",}",
        "{'userName':'a'}",
        "{\"userName\":\"a\"} trailing",
        "{\"userName\":\"a\"}{}",
        "{\"userName\":NaN}",
        "{\"userName\":\"\\x41\"}",
        "{\"userName\":\"\\ud800\"}",
        "{\"userName\":\"tab\there\"}",
        "\u{feff}{\"userName\":\"bom\"}",
        "",
        "   ",
    ] {
        every_write_refuses(
            body.as_bytes(),
            Some("application/scim+json"),
            400,
            Some("invalidSyntax"),
        );
    }
}

#[test]
fn bodies_that_are_not_objects_are_refused() {
    for body in ["[]", "null", "\"userName\"", "42", "true"] {
        let (app, _, _) = seeded();
        let before = dump(&app);
        for (method, path) in [(Method::Post, "/Users"), (Method::Post, "/Groups")] {
            let value: Value = serde_json::from_str(body).unwrap();
            let reply = app.call(method, path, Some(&value), vec![]);
            assert_eq!(
                reply.status, 400,
                "{body} {path}: {:?}",
                reply.response.body
            );
            assert_scim_error(&reply, 400, reply.scim_type().as_deref());
        }
        assert_eq!(dump(&app), before);
    }
}

#[test]
fn invalid_utf8_is_invalid_syntax() {
    for body in [
        &b"{\"userName\":\"\xff\"}"[..],
        &b"{\"userName\":\"\xc0\xaf\"}"[..],
        &b"{\"userName\":\"\xed\xa0\x80\"}"[..],
        &b"{\"userName\":\"a\xe2\x82\"}"[..],
    ] {
        every_write_refuses(
            body,
            Some("application/scim+json"),
            400,
            Some("invalidSyntax"),
        );
    }
}

#[test]
fn duplicate_keys_at_any_depth_are_invalid_syntax() {
    for body in [
        r#"{"userName":"a","userName":"b"}"#,
        r#"{"userName":"a","name":{"givenName":"x","givenName":"y"}}"#,
        r#"{"userName":"a","emails":[{"value":"a@b.c","value":"d@e.f"}]}"#,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","op":"remove","path":"title"}]}"#,
    ] {
        every_write_refuses(
            body.as_bytes(),
            Some("application/json"),
            400,
            Some("invalidSyntax"),
        );
    }
}

#[test]
fn deep_nesting_is_invalid_syntax_without_overflowing() {
    let deep_array = format!(
        "{{\"userName\":\"a\",\"x\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let deep_object = format!(
        "{{\"userName\":\"a\",\"x\":{}1{}}}",
        "{\"a\":".repeat(40),
        "}".repeat(40)
    );
    for body in [deep_array, deep_object] {
        every_write_refuses(
            body.as_bytes(),
            Some("application/scim+json"),
            400,
            Some("invalidSyntax"),
        );
    }
}

#[test]
fn bodies_over_the_size_limit_are_413() {
    let padding = "x".repeat(MAX_BODY_BYTES);
    let body = format!("{{\"userName\":\"a\",\"title\":\"{padding}\"}}");
    every_write_refuses(body.as_bytes(), Some("application/scim+json"), 413, None);
}

#[test]
fn other_media_types_are_415() {
    let body = br#"{"userName":"mallory"}"#;
    for content_type in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "application/scim+jsonp",
        "json",
        "",
    ] {
        every_write_refuses(body, Some(content_type), 415, None);
    }
}

#[test]
fn wrong_attribute_types_are_invalid_value() {
    let (app, user, group) = seeded();
    let before = dump(&app);
    for body in [
        json!({"userName": 42}),
        json!({"userName": ["a"]}),
        json!({"userName": {"a": 1}}),
        json!({"userName": null}),
        json!({"userName": "a", "active": "yes"}),
        json!({"userName": "a", "active": 1}),
        json!({"userName": "a", "emails": "a@example.com"}),
        json!({"userName": "a", "emails": [{"value": 7}]}),
        json!({"userName": "a", "emails": ["a@example.com"]}),
        json!({"userName": "a", "emails": [{"value": "a@example.com", "primary": "sometimes"}]}),
        json!({"userName": "a", "name": "Alice Smith"}),
        json!({"userName": "a", "name": {"givenName": 3}}),
        json!({"userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "x"}),
        json!({"userName": "a", "nosuchattribute": "x"}),
    ] {
        for (path, kind) in [
            ("/Users".to_owned(), Method::Post),
            (format!("/Users/{user}"), Method::Put),
        ] {
            let reply = app.call(kind, &path, Some(&body), vec![]);
            assert!(
                reply.status == 400,
                "{body} on {path}: {} {:?}",
                reply.status,
                reply.response.body
            );
            assert_scim_error(&reply, 400, reply.scim_type().as_deref());
        }
    }
    for body in [
        json!({"displayName": 1}),
        json!({"displayName": "G", "members": [user]}),
        json!({"displayName": "G", "members": [{"value": 5}]}),
        json!({"displayName": "G", "members": [{"value": user, "type": 3}]}),
    ] {
        for (path, kind) in [
            ("/Groups".to_owned(), Method::Post),
            (format!("/Groups/{group}"), Method::Put),
        ] {
            let reply = app.call(kind, &path, Some(&body), vec![]);
            assert_eq!(
                reply.status, 400,
                "{body} on {path}: {:?}",
                reply.response.body
            );
            assert_scim_error(&reply, 400, reply.scim_type().as_deref());
        }
    }
    assert_eq!(dump(&app), before);
}

#[test]
fn strings_over_8_kib_are_refused_in_every_attribute() {
    let (app, user, group) = seeded();
    let before = dump(&app);
    let long = "x".repeat(8 * 1024 + 1);
    let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    for body in [
        json!({"userName": long}),
        json!({"userName": "a", "displayName": long}),
        json!({"userName": "a", "externalId": long}),
        json!({"userName": "a", "title": long}),
        json!({"userName": "a", "name": {"familyName": long}}),
        json!({"userName": "a", "emails": [{"value": format!("{long}@example.com")}]}),
        json!({"userName": "a", "phoneNumbers": [{"value": long}]}),
        json!({"userName": "a", "addresses": [{"streetAddress": long}]}),
        json!({"userName": "a", enterprise: {"department": long}}),
        json!({"userName": "a", "password": long}),
    ] {
        for (path, kind) in [
            ("/Users".to_owned(), Method::Post),
            (format!("/Users/{user}"), Method::Put),
        ] {
            let reply = app.call(kind, &path, Some(&body), vec![]);
            assert_eq!(reply.status, 400, "{path}: {:?}", reply.response.body);
            assert_scim_error(&reply, 400, Some("invalidValue"));
        }
    }
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": long}]});
    assert_scim_error(
        &app.patch(&format!("/Users/{user}"), &patch),
        400,
        Some("invalidValue"),
    );
    for body in [
        json!({"displayName": long}),
        json!({"displayName": "G", "externalId": long}),
        json!({"displayName": "G", "members": [{"value": long}]}),
    ] {
        let reply = app.post("/Groups", &body);
        assert_eq!(reply.status, 400, "{:?}", reply.response.body);
        assert_scim_error(&reply, 400, reply.scim_type().as_deref());
    }
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": long}]}]});
    let reply = app.patch(&format!("/Groups/{group}"), &patch);
    assert_eq!(reply.status, 400, "{:?}", reply.response.body);
    assert_eq!(dump(&app), before);
}

#[test]
fn hostile_patch_paths_are_invalid_path_or_filter() {
    let (app, user, group) = seeded();
    let before = dump(&app);
    let nested = format!(
        "emails[{}type eq \"work\"{}].value",
        "(".repeat(40),
        ")".repeat(40)
    );
    for path in [
        "x".repeat(5000),
        nested,
        "emails[type eq \"work\"".to_owned(),
        "emails[type eq \"work\"]]".to_owned(),
        "emails[type eq \"work\" or]".to_owned(),
        "emails[value eq \"a\" or \"1\" eq \"1\"]".to_owned(),
        "emails[type eq work]".to_owned(),
        "userName; DROP TABLE users".to_owned(),
        "name..givenName".to_owned(),
        "\"userName\"".to_owned(),
        "urn:ietf:params:scim:schemas:core:2.0:User:".to_owned(),
        "".to_owned(),
    ] {
        for target in [format!("/Users/{user}"), format!("/Groups/{group}")] {
            let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": path, "value": "v"}]});
            let reply = app.patch(&target, &body);
            assert!(
                matches!(reply.status, 400),
                "{path:.80} on {target}: {} {:?}",
                reply.status,
                reply.response.body
            );
            assert_scim_error(&reply, 400, reply.scim_type().as_deref());
            let kind = reply.scim_type().unwrap_or_default();
            assert!(
                [
                    "invalidPath",
                    "invalidFilter",
                    "invalidValue",
                    "noTarget",
                    "invalidSyntax",
                    "mutability"
                ]
                .contains(&kind.as_str()),
                "{path:.80}: {kind}"
            );
        }
    }
    assert_eq!(dump(&app), before);
}

#[test]
fn hostile_patch_requests_are_refused_whole() {
    let (app, user, _) = seeded();
    let before = dump(&app);
    let urn = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    let many: Vec<Value> = (0..1001)
        .map(|_| json!({"op": "replace", "path": "title", "value": "t"}))
        .collect();
    for body in [
        json!({"schemas": [urn]}),
        json!({"schemas": [urn], "Operations": {}}),
        json!({"schemas": [urn], "Operations": [42]}),
        json!({"schemas": [urn], "Operations": [{"op": "drop", "path": "title"}]}),
        json!({"schemas": [urn], "Operations": [{"op": 1, "path": "title"}]}),
        json!({"schemas": [urn], "Operations": [{"op": "replace", "path": 7, "value": "x"}]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Nope"], "Operations": []}),
        json!({"schemas": [urn], "Operations": many}),
        json!({"schemas": [urn], "Operations": [
            {"op": "replace", "path": "title", "value": "applied?"},
            {"op": "replace", "path": "active", "value": "no"}]}),
    ] {
        let reply = app.patch(&format!("/Users/{user}"), &body);
        assert_eq!(reply.status, 400, "{body:.200}: {:?}", reply.response.body);
        assert_scim_error(&reply, 400, reply.scim_type().as_deref());
    }
    assert_eq!(dump(&app), before);
}
