//! Native tests of the User endpoints through the whole service on SQLite.

use super::test_app::TestApp;
use serde_json::json;

const ENTRA_CREATE: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
 "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_00aa00aa@contoso.com",
 "active":true,"emails":[{"primary":true,"type":"work","value":"Test_User_11bb@testuser.com"}],
 "meta":{"resourceType":"User"},
 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
 "roles":[]}"#;

#[test]
fn entra_create_answers_201_with_location_etag_and_meta() {
    let app = TestApp::new();
    let reply = app.post("/Users", &serde_json::from_str(ENTRA_CREATE).unwrap());
    assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    let body = reply.json();
    let id = body["id"].as_str().unwrap();
    let location = format!("https://scim.example.com/scim/v2/acme/Users/{id}");
    assert_eq!(reply.header("location"), Some(location.as_str()));
    assert_eq!(body["meta"]["location"], location);
    assert_eq!(body["meta"]["resourceType"], "User");
    assert_eq!(body["meta"]["created"], "2026-11-28T13:45:00.000Z");
    assert_eq!(reply.header("etag"), body["meta"]["version"].as_str());
    assert_eq!(body["userName"], "Test_User_00aa00aa@contoso.com");
    assert_eq!(body["name"]["givenName"], "givenName");
    assert_eq!(body["emails"][0]["value"], "Test_User_11bb@testuser.com");
    assert!(body.get("password").is_none());
    assert_eq!(reply.header("server-timing"), Some("d1;desc=\"queries=1\""));
}

#[test]
fn duplicate_user_name_in_any_case_is_409_uniqueness() {
    let app = TestApp::new();
    app.create_user("alice@example.com");
    let reply = app.post("/Users", &json!({"userName": "ALICE@example.com"}));
    assert_eq!(reply.status, 409);
    assert_eq!(reply.scim_type().as_deref(), Some("uniqueness"));
    let count = app.db.query("SELECT COUNT(*) AS n FROM users", vec![]);
    assert_eq!(count[0]["n"], 1);
}

#[test]
fn same_user_name_in_two_orgs_is_fine() {
    let app = TestApp::new();
    app.create_user("bob");
    let other = app.with_org("globex");
    other.create_user("bob");
}

#[test]
fn get_returns_the_user_and_404_for_unknown_ids() {
    let app = TestApp::new();
    let id = app.create_user("carol");
    let reply = app.get(&format!("/Users/{id}"));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["userName"], "carol");
    assert_eq!(reply.header("server-timing"), Some("d1;desc=\"queries=1\""));
    let missing = app.get("/Users/does-not-exist");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["status"], "404");
}

#[test]
fn another_orgs_id_is_404() {
    let app = TestApp::new();
    let id = app.create_user("dave");
    let other = app.with_org("globex");
    assert_eq!(other.get(&format!("/Users/{id}")).status, 404);
    assert_eq!(other.delete(&format!("/Users/{id}")).status, 404);
    assert_eq!(
        other
            .put(&format!("/Users/{id}"), &json!({"userName": "x"}))
            .status,
        404
    );
}

#[test]
fn if_none_match_with_current_version_is_304() {
    let app = TestApp::new();
    let id = app.create_user("erin");
    let etag = app
        .get(&format!("/Users/{id}"))
        .header("etag")
        .unwrap()
        .to_owned();
    let reply = app.call(
        crate::core::http::Method::Get,
        &format!("/Users/{id}"),
        None,
        vec![("if-none-match", &etag)],
    );
    assert_eq!(reply.status, 304);
    assert!(reply.response.body.is_none());
}

#[test]
fn put_replaces_the_user_and_changes_the_version() {
    let app = TestApp::new();
    let id = app.create_user("frank");
    let before = app.get(&format!("/Users/{id}")).json();
    let reply = app.put(
        &format!("/Users/{id}"),
        &json!({"userName": "frank", "displayName": "Frank", "active": false}),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.response.body);
    let after = reply.json();
    assert_eq!(after["displayName"], "Frank");
    assert_eq!(after["active"], false);
    assert_ne!(after["meta"]["version"], before["meta"]["version"]);
    assert_eq!(after["meta"]["created"], before["meta"]["created"]);
    assert_eq!(reply.header("server-timing"), Some("d1;desc=\"queries=2\""));
    // A deactivated user is still returned.
    assert_eq!(app.get(&format!("/Users/{id}")).json()["active"], false);
}

#[test]
fn put_to_a_taken_user_name_is_409_and_changes_nothing() {
    let app = TestApp::new();
    app.create_user("gina");
    let id = app.create_user("hank");
    let reply = app.put(&format!("/Users/{id}"), &json!({"userName": "GINA"}));
    assert_eq!(reply.status, 409);
    assert_eq!(app.get(&format!("/Users/{id}")).json()["userName"], "hank");
}

#[test]
fn stale_if_match_is_412_and_current_one_applies() {
    let app = TestApp::new();
    let id = app.create_user("ivan");
    let etag = app
        .get(&format!("/Users/{id}"))
        .header("etag")
        .unwrap()
        .to_owned();
    let body = json!({"userName": "ivan", "displayName": "I"});
    let path = format!("/Users/{id}");
    let ok = app.call(
        crate::core::http::Method::Put,
        &path,
        Some(&body),
        vec![("if-match", &etag)],
    );
    assert_eq!(ok.status, 200);
    let stale = app.call(
        crate::core::http::Method::Put,
        &path,
        Some(&body),
        vec![("if-match", &etag)],
    );
    assert_eq!(stale.status, 412);
    let stale_delete = app.call(
        crate::core::http::Method::Delete,
        &path,
        None,
        vec![("if-match", &etag)],
    );
    assert_eq!(stale_delete.status, 412);
    assert_eq!(app.get(&path).status, 200);
}

#[test]
fn delete_removes_the_user_its_emails_and_memberships() {
    let app = TestApp::new();
    let reply = app.post(
        "/Users",
        &json!({"userName": "judy", "emails": [{"value": "Judy@Example.com"}]}),
    );
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    app.db.query(
        "INSERT INTO group_members (org, group_id, member_id, member_type) VALUES ('acme', 'g1', ?1, 'User')",
        vec![id.as_str().into()],
    );
    assert_eq!(
        app.db.query("SELECT value_ci FROM user_emails", vec![])[0]["value_ci"],
        "judy@example.com"
    );
    assert_eq!(app.delete(&format!("/Users/{id}")).status, 204);
    assert_eq!(app.get(&format!("/Users/{id}")).status, 404);
    assert_eq!(app.delete(&format!("/Users/{id}")).status, 404);
    assert!(app.db.query("SELECT * FROM user_emails", vec![]).is_empty());
    assert!(app
        .db
        .query("SELECT * FROM group_members", vec![])
        .is_empty());
}

#[test]
fn failed_batch_leaves_nothing_behind_and_answers_a_scim_500() {
    let app = TestApp::new();
    *app.db.fail_batch.borrow_mut() = Some(0);
    let reply = app.post(
        "/Users",
        &json!({"userName": "kim", "emails": [{"value": "k@example.com"}]}),
    );
    assert_eq!(reply.status, 500);
    let body = reply.json();
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert!(!body["detail"].as_str().unwrap().contains("injected"));
    assert!(app.db.query("SELECT * FROM users", vec![]).is_empty());
}

#[test]
fn invalid_bodies_are_scim_400s() {
    let app = TestApp::new();
    let reply = app.post("/Users", &json!({"displayName": "no user name"}));
    assert_eq!(reply.status, 400);
    let reply = app.post("/Users", &json!({"userName": "x", "active": "maybe"}));
    assert_eq!(
        (reply.status, reply.scim_type().as_deref()),
        (400, Some("invalidValue"))
    );
    let reply = app.raw(
        crate::core::http::Method::Post,
        "/scim/v2/acme/Users",
        vec![
            ("authorization", &format!("Bearer {}", app.token)),
            ("content-type", "application/json"),
        ],
        Some("{\"userName\":\"a\",\"userName\":\"b\"}"),
    );
    assert_eq!(
        (reply.status, reply.scim_type().as_deref()),
        (400, Some("invalidSyntax"))
    );
}

#[test]
fn a_lost_update_race_reports_the_winners_row_in_the_same_batch() {
    use crate::core::store::resource::UpdateOutcome;
    use crate::core::store::{users, WriteStamp};
    use crate::core::testing::run_plan;
    let app = TestApp::new();
    let id = app.create_user("racer");
    let plan = users::read(&app.org, &id, true);
    let stale = run_plan(&app.db, plan).expect("the user");
    let winner = app.patch(
        &format!("/Users/{id}"),
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "title", "value": "Winner"}]}),
    );
    assert_eq!(winner.status, 200);
    let winner = winner.json();
    // A writer that read the version before the winner's write.
    let stamp = WriteStamp {
        now: "2026-11-28T13:45:01.000Z".into(),
        version: 42,
    };
    let stale_doc = json!({"userName": "racer", "nickName": "Loser"});
    let plan = users::update(&app.org, &stale, stale_doc, &stamp, true).unwrap();
    let UpdateOutcome::VersionMismatch(Some(current)) = run_plan(&app.db, plan) else {
        panic!("a lost race reports the current row");
    };
    assert_eq!(current.doc["title"], "Winner");
    assert!(current.doc.get("nickName").is_none());
    assert_eq!(
        crate::core::store::etag(current.version),
        winner["meta"]["version"].as_str().unwrap()
    );
    assert_eq!(current.related, Some(Vec::new()));
}

#[test]
fn update_of_a_deleted_user_reports_not_found() {
    use crate::core::store::resource::UpdateOutcome;
    use crate::core::store::{users, WriteStamp};
    use crate::core::testing::run_plan;
    let app = TestApp::new();
    let id = app.create_user("ghost");
    let user = run_plan(&app.db, users::read(&app.org, &id, false)).expect("the user");
    assert_eq!(app.delete(&format!("/Users/{id}")).status, 204);
    let stamp = WriteStamp {
        now: "2026-11-28T13:45:01.000Z".into(),
        version: 2,
    };
    let plan = users::update(&app.org, &user, json!({"userName": "ghost"}), &stamp, false).unwrap();
    assert_eq!(run_plan(&app.db, plan), UpdateOutcome::NotFound);
}

#[test]
fn unfiltered_total_results_follow_creates_refused_duplicates_and_deletes() {
    let app = TestApp::new();
    let total = |app: &TestApp| {
        app.get("/Users?count=0").json()["totalResults"]
            .as_i64()
            .unwrap()
    };
    let a = app.create_user("one");
    app.create_user("two");
    assert_eq!(app.post("/Users", &json!({"userName": "ONE"})).status, 409);
    assert_eq!(total(&app), 2);
    let path = format!("/Users/{a}");
    let stale = app.call(
        crate::core::http::Method::Delete,
        &path,
        None,
        vec![("if-match", "W/\"1\"")],
    );
    assert_eq!(stale.status, 412);
    assert_eq!(total(&app), 2);
    assert_eq!(app.delete(&path).status, 204);
    assert_eq!(app.delete(&path).status, 404);
    assert_eq!(total(&app), 1);
    // The count row agrees with counting the rows.
    let rows = app
        .db
        .query("SELECT COUNT(*) AS n FROM users WHERE org = 'acme'", vec![]);
    assert_eq!(rows[0]["n"], 1);
}
