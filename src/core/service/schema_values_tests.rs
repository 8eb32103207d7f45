//! Values the schema forbids, refused the same way on every write path (POST, PUT, PATCH with
//! and without a path, users and groups, core and extension attributes): control characters,
//! a lone value where the schema says multiValued and a list where it says single-valued, and
//! `schemas` URNs this service does not know. Each refusal is 400 invalidValue naming the
//! attribute, and nothing is written.

use super::hostile_tests::{assert_scim_error, dump};
use super::test_app::{Reply, TestApp};
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn patch(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

/// An app with user `alice` in group `Staff`, and their ids.
fn seeded() -> (TestApp, String, String) {
    let app = TestApp::new();
    let user = app.create_user("alice");
    let reply = app.post(
        "/Groups",
        &json!({"displayName": "Staff", "members": [{"value": user}]}),
    );
    assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    let group = reply.json()["id"].as_str().unwrap().to_owned();
    (app, user, group)
}

/// Every write path carrying `attr: value` (a top-level User attribute or sub-path).
fn user_writes(app: &TestApp, user: &str, attr: &str, value: &Value) -> Vec<(String, Reply)> {
    writes(app, user, attr, value, &["add", "replace"])
}

/// As `user_writes`, with PATCH ops with a path limited to `path_ops`.
fn writes(
    app: &TestApp,
    user: &str,
    attr: &str,
    value: &Value,
    path_ops: &[&str],
) -> Vec<(String, Reply)> {
    let body = |extra: (&str, &Value)| {
        let mut b = json!({"userName": "bob"});
        b[extra.0] = extra.1.clone();
        b
    };
    let target = format!("/Users/{user}");
    let mut out = vec![
        ("POST".to_owned(), app.post("/Users", &body((attr, value)))),
        ("PUT".to_owned(), app.put(&target, &body((attr, value)))),
    ];
    for op in ["add", "replace"] {
        if path_ops.contains(&op) {
            out.push((
                format!("PATCH {op} path"),
                app.patch(
                    &target,
                    &patch(json!([{"op": op, "path": attr, "value": value}])),
                ),
            ));
        }
        out.push((
            format!("PATCH {op} no path"),
            app.patch(&target, &patch(json!([{"op": op, "value": {attr: value}}]))),
        ));
    }
    out
}

#[track_caller]
fn assert_refused(replies: Vec<(String, Reply)>, naming: &str) {
    for (how, reply) in replies {
        assert_scim_error(&reply, 400, Some("invalidValue"));
        let detail = reply.json()["detail"].as_str().unwrap_or("").to_owned();
        assert!(detail.contains(naming), "{how}: {detail}");
    }
}

#[test]
fn control_characters_in_names_and_identifiers_are_refused_on_every_write_path() {
    let (app, user, _) = seeded();
    let before = dump(&app);
    for (attr, text, naming) in [
        (
            "userName",
            "bob\u{0}",
            "'userName' must not contain control characters (U+0000",
        ),
        (
            "displayName",
            "Bob\u{1b}[2J",
            "'displayName' must not contain control characters (U+001B",
        ),
        (
            "externalId",
            "x\u{7f}",
            "'externalId' must not contain control characters (U+007F",
        ),
        (
            "nickName",
            "b\u{85}",
            "'nickName' must not contain control characters (U+0085",
        ),
        (
            "title",
            "line\nbreak",
            "'title' must not contain control characters (U+000A",
        ),
    ] {
        assert_refused(user_writes(&app, &user, attr, &json!(text)), naming);
    }
    // Sub-attributes, multi-valued elements and extension attributes follow the same rule.
    let target = format!("/Users/{user}");
    let ops = [
        json!({"op": "add", "path": "name.givenName", "value": "A\u{0}"}),
        json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": "a\u{0}@x"}),
        json!({"op": "add", "path": "emails", "value": [{"value": "b@x", "type": "wo\u{1}rk"}]}),
        json!({"op": "replace", "path": format!("{ENTERPRISE}:department"), "value": "R\u{0}D"}),
        json!({"op": "add", "path": ENTERPRISE, "value": {"costCenter": "\u{0}"}}),
        json!({"op": "add", "value": {format!("{ENTERPRISE}:division"): "\u{7}"}}),
    ];
    for op in ops {
        let reply = app.patch(&target, &patch(json!([op.clone()])));
        assert_scim_error(&reply, 400, Some("invalidValue"));
        assert!(
            reply.json()["detail"]
                .as_str()
                .unwrap()
                .contains("control characters"),
            "{op}"
        );
    }
    let reply = app.post(
        "/Users",
        &json!({"schemas": [USER, ENTERPRISE], "userName": "bob",
            ENTERPRISE: {"department": "R\u{0}D"}}),
    );
    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert!(reply.json()["detail"]
        .as_str()
        .unwrap()
        .contains(&format!("{ENTERPRISE}:department")));
    assert_eq!(dump(&app), before);
}

#[test]
fn group_display_names_and_member_fields_refuse_control_characters() {
    let (app, user, group) = seeded();
    let before = dump(&app);
    let target = format!("/Groups/{group}");
    let replies = vec![
        app.post("/Groups", &json!({"displayName": "Ops\u{0}"})),
        app.put(&target, &json!({"displayName": "Ops\u{0}"})),
        app.patch(
            &target,
            &patch(json!([{"op": "replace", "path": "displayName", "value": "Ops\u{0}"}])),
        ),
        app.patch(
            &target,
            &patch(json!([{"op": "replace", "value": {"displayName": "Ops\u{0}"}}])),
        ),
        app.patch(
            &target,
            &patch(json!([{"op": "add", "path": "members",
            "value": [{"value": user, "display": "Al\u{0}ice"}]}])),
        ),
    ];
    for reply in replies {
        assert_scim_error(&reply, 400, Some("invalidValue"));
        assert!(reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("control characters"));
    }
    assert_eq!(dump(&app), before);
}

#[test]
fn multi_line_address_parts_keep_line_breaks_other_text_does_not() {
    let app = TestApp::new();
    let reply = app.post(
        "/Users",
        &json!({"userName": "bob", "addresses": [{"type": "work",
            "formatted": "1 Main St\nSuite 2\r\nSpringfield", "streetAddress": "1 Main St\nSuite 2"}]}),
    );
    assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    assert_eq!(
        reply.json()["addresses"][0]["formatted"],
        "1 Main St\nSuite 2\r\nSpringfield"
    );
    let reply = app.post(
        "/Users",
        &json!({"userName": "carol", "addresses": [{"locality": "Spring\nfield"}]}),
    );
    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert!(reply.json()["detail"]
        .as_str()
        .unwrap()
        .contains("addresses[0].locality"));
    // Printable text of any script is data.
    assert_eq!(
        app.post("/Users", &json!({"userName": "Zoë 山田 😀"}))
            .status,
        201
    );
}

#[test]
fn a_lone_value_where_the_schema_says_multi_valued_is_refused_on_every_write_path() {
    let (app, user, group) = seeded();
    let before = dump(&app);
    for attr in [
        "emails",
        "phoneNumbers",
        "addresses",
        "roles",
        "x509Certificates",
    ] {
        let value = json!({"value": "a@example.com"});
        // RFC 7644 §3.5.2.1: add on a multi-valued path adds "a new value" — one value is
        // that value (tested below); every other path takes the whole list.
        let replies = writes(&app, &user, attr, &value, &["replace"]);
        assert_refused(replies, &format!("'{attr}' is multi-valued"));
    }
    let reply = app.post(
        "/Groups",
        &json!({"displayName": "Ops", "members": {"value": user}}),
    );
    assert_scim_error(&reply, 400, Some("invalidValue"));
    let reply = app.put(
        &format!("/Groups/{group}"),
        &json!({"displayName": "Staff", "members": {"value": user}}),
    );
    assert_scim_error(&reply, 400, Some("invalidValue"));
    let reply = app.patch(
        &format!("/Groups/{group}"),
        &patch(json!([{"op": "replace", "path": "members", "value": {"value": user}}])),
    );
    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert_eq!(dump(&app), before);
}

#[test]
fn patch_add_of_one_value_to_a_multi_valued_path_adds_that_value() {
    let (app, user, group) = seeded();
    let reply = app.patch(
        &format!("/Users/{user}"),
        &patch(json!([{"op": "add", "path": "phoneNumbers", "value": {"value": "+1 555", "type": "work"}}])),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.response.body);
    assert_eq!(
        reply.json()["phoneNumbers"],
        json!([{"value": "+1 555", "type": "work"}])
    );
    let bob = app.create_user("bob");
    let reply = app.patch(
        &format!("/Groups/{group}"),
        &patch(json!([{"op": "add", "path": "members", "value": {"value": bob}}])),
    );
    assert!(
        matches!(reply.status, 200 | 204),
        "{:?}",
        reply.response.body
    );
    let members = app.get(&format!("/Groups/{group}")).json()["members"].clone();
    assert_eq!(members.as_array().unwrap().len(), 2, "{members}");
}

#[test]
fn a_list_where_the_schema_says_single_valued_is_refused_on_every_write_path() {
    let (app, user, _) = seeded();
    let before = dump(&app);
    for (attr, value) in [
        ("displayName", json!(["Bob"])),
        ("active", json!([true])),
        ("name", json!([{"givenName": "B"}])),
        ("name.givenName", json!(["B"])),
        (
            &format!("{ENTERPRISE}:manager") as &str,
            json!([{"value": "x"}]),
        ),
        (&format!("{ENTERPRISE}:department") as &str, json!(["R&D"])),
    ] {
        let target = format!("/Users/{user}");
        for op in ["add", "replace"] {
            let reply = app.patch(
                &target,
                &patch(json!([{"op": op, "path": attr, "value": value}])),
            );
            assert_scim_error(&reply, 400, Some("invalidValue"));
            let detail = reply.json()["detail"].as_str().unwrap().to_owned();
            assert!(detail.contains("single-valued"), "{op} {attr}: {detail}");
        }
    }
    let reply = app.post("/Users", &json!({"userName": ["bob"]}));
    assert_scim_error(&reply, 400, Some("invalidValue"));
    let reply = app.post(
        "/Users",
        &json!({"userName": "bob", "emails": [{"value": ["a@x"]}]}),
    );
    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert!(reply.json()["detail"]
        .as_str()
        .unwrap()
        .contains("emails[0].value"));
    let reply = app.post(
        "/Users",
        &json!({"schemas": [USER, ENTERPRISE], "userName": "bob",
            ENTERPRISE: {"manager": [{"value": "x"}]}}),
    );
    assert_scim_error(&reply, 400, Some("invalidValue"));
    let reply = app.post("/Groups", &json!({"displayName": ["Ops"]}));
    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert_eq!(dump(&app), before);
}

#[test]
fn unknown_schema_urns_and_undeclared_extensions_are_refused() {
    let (app, user, group) = seeded();
    let before = dump(&app);
    let unknown = "urn:example:params:scim:schemas:extension:acme:2.0:User";
    let replies = vec![
        app.post("/Users", &json!({"schemas": [USER, unknown], "userName": "bob"})),
        app.put(&format!("/Users/{user}"), &json!({"schemas": [USER, unknown], "userName": "alice"})),
        app.post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", ENTERPRISE], "displayName": "Ops"})),
        app.patch(&format!("/Users/{user}"), &patch(json!([{"op": "add",
            "value": {"schemas": [unknown], "nickName": "Al"}}]))),
        app.patch(&format!("/Users/{user}"), &patch(json!([{"op": "add", "path": ENTERPRISE,
            "value": {"schemas": [unknown], "department": "R&D"}}]))),
    ];
    for reply in replies {
        assert_scim_error(&reply, 400, Some("invalidValue"));
        assert!(reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("is not a schema"));
    }
    // An extension object the body's `schemas` does not list.
    let reply = app.post(
        "/Users",
        &json!({"schemas": [USER], "userName": "bob", ENTERPRISE: {"department": "R&D"}}),
    );
    assert_scim_error(&reply, 400, Some("invalidValue"));
    assert!(reply.json()["detail"]
        .as_str()
        .unwrap()
        .contains("not listed in 'schemas'"));
    let _ = group;
    assert_eq!(dump(&app), before);
    // Entra's traffic passes: the ADSCIM Group URN and the malformed enterprise URN.
    let reply = app.post(
        "/Groups",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "displayName": "Entra group"}),
    );
    assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    let reply = app.post(
        "/Users",
        &json!({"schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
            "userName": "entra", ENTERPRISE: {"department": "R&D"}}),
    );
    assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    // Without `schemas` at all the body is read as before.
    assert_eq!(
        app.post(
            "/Users",
            &json!({"userName": "noschemas", ENTERPRISE: {"department": "X"}})
        )
        .status,
        201
    );
}
