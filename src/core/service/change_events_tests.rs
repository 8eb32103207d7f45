//! Every SCIM write path records exactly the expected events, in the write's own batch;
//! failures record none (D1 faults are covered by `fault_tests`, whose dump includes the log).

use super::test_app::{Reply, TestApp};
use crate::core::http::Method;
use serde_json::{json, Value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn log(app: &TestApp) -> Vec<Value> {
    let reply = app.admin(Method::Get, &format!("{}/events?limit=1000", app.org), None);
    assert_eq!(reply.status, 200);
    reply.json()["events"].as_array().unwrap().clone()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// The events a call appended, checked to be numbered right after the ones before.
fn appended(app: &TestApp, call: impl FnOnce() -> Reply) -> (Reply, Vec<Value>) {
    let before = log(app).len();
    let reply = call();
    let all = log(app);
    for (i, event) in all.iter().enumerate() {
        assert_eq!(event["seq"], i as i64 + 1, "gapless: {all:?}");
    }
    (reply, all[before..].to_vec())
}

fn patch(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

fn member_values(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["data"]["member"]["value"].as_str().unwrap())
        .collect()
}

#[test]
fn creating_a_user_records_user_created_with_the_resource_as_read() {
    let app = TestApp::new();
    let (reply, events) = appended(&app, || {
        app.post(
            "/Users",
            &json!({"userName": "ada", "externalId": "e-1", "password": "Secret-1", "active": true}),
        )
    });
    assert_eq!(reply.status, 201);
    assert_eq!(reply.log.d1_round_trips, 1, "POST stays one round trip");
    assert_eq!(reply.deliveries.len(), 1);
    assert_eq!(types(&events), vec!["user.created"]);
    let event = &events[0];
    let id = reply.json()["id"].clone();
    assert_eq!(
        event["resource"],
        json!({"type": "User", "id": id, "externalId": "e-1", "userName": "ada"})
    );
    assert_eq!(event["source"], "scim");
    assert_eq!(event["occurredAt"], reply.json()["meta"]["lastModified"]);
    assert!(event["data"].get("password").is_none());
    let mut expected = reply.json();
    expected.as_object_mut().unwrap().remove("groups");
    assert_eq!(event["data"], expected);
    assert!(event.get("previous").is_none());
}

#[test]
fn updates_name_their_type_and_exactly_the_changed_attributes() {
    let app = TestApp::new();
    let id = app.create_user("ada");
    let path = format!("/Users/{id}");
    let (reply, events) = appended(&app, || {
        app.put(
            &path,
            &json!({"userName": "ada", "title": "Engineer", "active": true}),
        )
    });
    assert_eq!(reply.status, 200);
    assert_eq!(types(&events), vec!["user.updated"]);
    assert_eq!(events[0]["previous"], json!({"title": null}));

    // A deactivation that also changes the title is one user.deactivated listing both.
    let (_, events) = appended(&app, || {
        app.put(
            &path,
            &json!({"userName": "ada", "title": "Former", "active": false}),
        )
    });
    assert_eq!(types(&events), vec!["user.deactivated"]);
    assert_eq!(
        events[0]["previous"],
        json!({"title": "Engineer", "active": true})
    );
    assert_eq!(events[0]["data"]["active"], false);

    let (reply, events) = appended(&app, || {
        app.patch(
            &path,
            &patch(json!([{"op": "replace", "path": "active", "value": true}])),
        )
    });
    assert!(reply.log.d1_round_trips <= 2);
    assert_eq!(types(&events), vec!["user.reactivated"]);
}

#[test]
fn every_idp_form_of_deactivation_is_user_deactivated() {
    let app = TestApp::new();
    let forms = [
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
        json!([{"op": "replace", "value": {"active": "False"}}]),
        json!([{"op": "replace", "value": {"active": false}}]),
        json!([{"op": "replace", "path": "active", "value": false}]),
    ];
    for (i, form) in forms.into_iter().enumerate() {
        let id = app.create_user(&format!("u{i}"));
        let path = format!("/Users/{id}");
        let (reply, events) = appended(&app, || app.patch(&path, &patch(form.clone())));
        assert_eq!(reply.status, 200, "{form}");
        assert_eq!(types(&events), vec!["user.deactivated"], "{form}");
        // The same request again changes nothing and records nothing.
        let (reply, events) = appended(&app, || app.patch(&path, &patch(form.clone())));
        assert_eq!(reply.status, 200);
        assert!(events.is_empty(), "{form}: {events:?}");
    }
}

#[test]
fn failed_writes_record_nothing() {
    let app = TestApp::new();
    let id = app.create_user("ada");
    app.create_user("bob");
    let path = format!("/Users/{id}");
    type Call<'a> = Box<dyn Fn() -> Reply + 'a>;
    let cases: Vec<(&str, Call)> = vec![
        (
            "taken userName",
            Box::new(|| app.post("/Users", &json!({"userName": "ADA"}))),
        ),
        (
            "rename onto a taken userName",
            Box::new(|| {
                app.patch(
                    &path,
                    &patch(json!([{"op": "replace", "path": "userName", "value": "bob"}])),
                )
            }),
        ),
        (
            "stale If-Match",
            Box::new(|| {
                app.call(
                    Method::Patch,
                    &path,
                    Some(&patch(
                        json!([{"op": "replace", "path": "title", "value": "x"}]),
                    )),
                    vec![("if-match", "W/\"1\"")],
                )
            }),
        ),
        (
            "stale If-Match on DELETE",
            Box::new(|| app.call(Method::Delete, &path, None, vec![("if-match", "W/\"1\"")])),
        ),
        ("unknown user", Box::new(|| app.delete("/Users/nope"))),
        (
            "unknown member",
            Box::new(|| {
                app.post(
                    "/Groups",
                    &json!({"displayName": "G", "members": [{"value": "nope"}]}),
                )
            }),
        ),
        (
            "bad PATCH",
            Box::new(|| app.patch(&path, &patch(json!([{"op": "frobnicate"}])))),
        ),
    ];
    for (name, call) in cases {
        let (reply, events) = appended(&app, call);
        assert!(reply.status >= 400, "{name}: {}", reply.status);
        assert!(events.is_empty(), "{name}: {events:?}");
        assert!(reply.deliveries.is_empty(), "{name}");
    }
}

#[test]
fn deleting_a_user_records_each_group_it_leaves_then_user_deleted() {
    let app = TestApp::new();
    let id = app.create_user("ada");
    for name in ["Beta", "Alpha"] {
        let reply = app.post(
            "/Groups",
            &json!({"displayName": name, "members": [{"value": id}]}),
        );
        assert_eq!(reply.status, 201);
    }
    let (reply, events) = appended(&app, || app.delete(&format!("/Users/{id}")));
    assert_eq!(reply.status, 204);
    assert_eq!(reply.log.d1_round_trips, 1, "DELETE stays one round trip");
    assert_eq!(
        types(&events),
        vec![
            "group.member_removed",
            "group.member_removed",
            "user.deleted"
        ]
    );
    let groups: Vec<&str> = events[..2]
        .iter()
        .map(|e| e["data"]["group"]["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(groups, vec!["Alpha", "Beta"]);
    assert_eq!(events[0]["data"]["member"]["value"], id.as_str());
    assert_eq!(events[2]["resource"]["userName"], "ada");
    assert_eq!(events[2]["data"]["id"], id.as_str());
}

#[test]
fn group_writes_record_membership_changes_one_event_per_member() {
    let app = TestApp::new();
    let (a, b, c) = (
        app.create_user("a"),
        app.create_user("b"),
        app.create_user("c"),
    );
    let (reply, events) = appended(&app, || {
        app.post(
            "/Groups",
            &json!({"displayName": "Staff", "members": [{"value": a}, {"value": b}]}),
        )
    });
    assert_eq!(reply.status, 201);
    assert_eq!(
        types(&events),
        vec!["group.created", "group.member_added", "group.member_added"]
    );
    assert!(events[0]["data"].get("members").is_none());
    let mut added = member_values(&events[1..]);
    added.sort();
    let mut expected = vec![a.as_str(), b.as_str()];
    expected.sort();
    assert_eq!(added, expected);
    let group = reply.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{group}");

    // Adding a member and one already there: one event.
    let (reply, events) = appended(&app, || {
        app.patch(
            &path,
            &patch(
                json!([{"op": "add", "path": "members", "value": [{"value": a}, {"value": c}]}]),
            ),
        )
    });
    assert_eq!(reply.status, 204);
    assert!(reply.log.d1_round_trips <= 2);
    assert_eq!(types(&events), vec!["group.member_added"]);
    assert_eq!(member_values(&events), vec![c.as_str()]);
    assert_eq!(events[0]["data"]["member"]["type"], "User");
    assert_eq!(events[0]["data"]["group"]["displayName"], "Staff");

    // Entra's remove with a value list.
    let (_, events) = appended(&app, || {
        app.patch(
            &path,
            &patch(json!([{"op": "Remove", "path": "members", "value": [{"value": b}]}])),
        )
    });
    assert_eq!(types(&events), vec!["group.member_removed"]);
    assert_eq!(member_values(&events), vec![b.as_str()]);

    // Okta's remove by filter path.
    let (_, events) = appended(&app, || {
        app.patch(
            &path,
            &patch(json!([{"op": "remove", "path": format!("members[value eq \"{c}\"]")}])),
        )
    });
    assert_eq!(member_values(&events), vec![c.as_str()]);

    // Replacing the list [a] with [a, b]: only b joins.
    let (_, events) = appended(&app, || {
        app.patch(
            &path,
            &patch(json!([{"op": "replace", "path": "members", "value": [{"value": a}, {"value": b}]}])),
        )
    });
    assert_eq!(types(&events), vec!["group.member_added"]);
    assert_eq!(member_values(&events), vec![b.as_str()]);

    // PUT renaming and replacing members with [c]: a and b leave, c joins (the membership
    // statements run right after the group row), then the rename.
    let (reply, events) = appended(&app, || {
        app.put(
            &path,
            &json!({"displayName": "Team", "members": [{"value": c}]}),
        )
    });
    assert_eq!(reply.status, 200);
    assert_eq!(
        types(&events),
        vec![
            "group.member_removed",
            "group.member_removed",
            "group.member_added",
            "group.updated"
        ]
    );
    assert_eq!(events[3]["previous"], json!({"displayName": "Staff"}));
    assert_eq!(events[2]["data"]["group"]["displayName"], "Team");

    // Removing every member.
    let (_, events) = appended(&app, || {
        app.patch(&path, &patch(json!([{"op": "remove", "path": "members"}])))
    });
    assert_eq!(member_values(&events), vec![c.as_str()]);

    // Removing a member that is not there changes nothing.
    let (_, events) = appended(&app, || {
        app.patch(
            &path,
            &patch(json!([{"op": "remove", "path": "members", "value": [{"value": a}]}])),
        )
    });
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn deleting_a_group_records_the_groups_it_leaves_then_group_deleted() {
    let app = TestApp::new();
    let inner = app.post("/Groups", &json!({"displayName": "Inner"})).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app.post(
        "/Groups",
        &json!({"displayName": "Outer", "members": [{"value": inner}]}),
    );
    assert_eq!(reply.status, 201);
    let (reply, events) = appended(&app, || app.delete(&format!("/Groups/{inner}")));
    assert_eq!(reply.status, 204);
    assert_eq!(
        types(&events),
        vec!["group.member_removed", "group.deleted"]
    );
    assert_eq!(events[0]["data"]["member"]["type"], "Group");
    assert_eq!(events[0]["data"]["group"]["displayName"], "Outer");
    assert_eq!(events[1]["resource"]["displayName"], "Inner");
}

/// A write whose batch fails midway (the fault-injecting SQLite of `core::testing`).
type Write = Box<dyn Fn(&TestApp) -> Reply>;

#[test]
fn an_injected_d1_failure_leaves_neither_the_change_nor_its_event() {
    let app = TestApp::new();
    let id = app.create_user("ada");
    let writes: Vec<(&str, usize, Write)> = vec![
        (
            "POST",
            0,
            Box::new(|a| a.post("/Users", &json!({"userName": "bob"}))),
        ),
        (
            // The PATCH's second batch holds the write and its event.
            "PATCH",
            1,
            Box::new(move |a| {
                a.patch(
                    &format!(
                        "/Users/{}",
                        a.db.query("SELECT id FROM users", vec![])[0]["id"]
                            .as_str()
                            .unwrap()
                    ),
                    &patch(json!([{"op": "replace", "path": "active", "value": "False"}])),
                )
            }),
        ),
        (
            "DELETE",
            0,
            Box::new(move |a| a.delete(&format!("/Users/{id}"))),
        ),
    ];
    for (name, offset, write) in writes {
        let start = *app.db.batches.borrow();
        *app.db.fail_batch.borrow_mut() = Some(start + offset);
        let reply = write(&app);
        *app.db.fail_batch.borrow_mut() = None;
        assert_eq!(reply.status, 500, "{name}");
        assert!(reply.deliveries.is_empty(), "{name}");
        assert_eq!(log(&app).len(), 1, "{name}: no event without its change");
        let users = app.db.query("SELECT user_name, active FROM users", vec![]);
        assert_eq!(users.len(), 1, "{name}: no change either");
        assert_eq!(users[0]["active"], 1, "{name}: no change either");
    }
}

#[test]
fn member_events_show_the_display_as_sent_else_the_members_name() {
    let app = TestApp::new();
    let (a, b) = (app.create_user("ann"), app.create_user("ben"));
    let (reply, events) = appended(&app, || {
        app.post(
            "/Groups",
            &json!({"displayName": "G", "members": [{"value": a, "display": "Ann (HR)"}, {"value": b}]}),
        )
    });
    assert_eq!(reply.status, 201);
    let display = |events: &[Value], id: &str| {
        events
            .iter()
            .find(|e| e["data"]["member"]["value"] == id)
            .map(|e| e["data"]["member"]["display"].clone())
            .unwrap()
    };
    assert_eq!(display(&events, &a), "Ann (HR)");
    assert_eq!(display(&events, &b), "ben");
    let path = format!("/Groups/{}", reply.json()["id"].as_str().unwrap());
    let (_, events) = appended(&app, || {
        app.patch(&path, &patch(json!([{"op": "remove", "path": "members"}])))
    });
    assert_eq!(display(&events, &a), "Ann (HR)");
    assert_eq!(display(&events, &b), "ben");
}
