//! The admin API (`/admin/orgs/{org}/...`) against the worker, which scripts/e2e.sh starts with
//! an ADMIN_SECRET. That a deployment *without* a secret answers every admin route like an
//! unknown path is proven natively (src/core/service/admin_tests.rs): it needs a second worker
//! with other settings, and the behaviour is decided entirely in the core.

use crate::helpers::{admin, base_url, send, Reply, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

fn scim_status(app: &TestApp, token: &str) -> u16 {
    let auth = format!("Bearer {token}");
    send("GET", &app.url("/Users"), &[("authorization", &auth)], None).status
}

fn new_token(org: &str, body: Option<&str>) -> Value {
    let reply = admin("POST", &format!("{org}/token"), body);
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    reply.json()
}

fn assert_admin_401(reply: &Reply) {
    reply.scim_error(401);
    assert!(
        reply
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer")),
        "{:?}",
        reply.header("www-authenticate")
    );
}

#[test]
fn admin_routes_refuse_a_missing_or_wrong_secret_with_401() {
    let app = TestApp::new();
    let url = format!("{}/admin/orgs/{}/token", base_url(), app.org);
    let wrong = "Bearer not-the-admin-secret";
    let org_token = app.auth();
    for method in ["GET", "POST", "DELETE"] {
        assert_admin_401(&send(method, &url, &[], None));
        assert_admin_401(&send(method, &url, &[("authorization", wrong)], None));
        assert_admin_401(&send(method, &url, &[("authorization", &org_token)], None));
    }
    let org_url = format!("{}/admin/orgs/{}", base_url(), app.org);
    assert_admin_401(&send("DELETE", &org_url, &[("authorization", wrong)], None));
    // Nothing happened: the org's token still works.
    assert_eq!(scim_status(&app, &app.token), 200);
}

#[test]
fn rotation_without_grace_refuses_the_old_token_at_once() {
    let app = TestApp::new();
    assert_eq!(scim_status(&app, &app.token), 200);
    let body = new_token(&app.org, None);
    let token = body["token"].as_str().unwrap();
    assert!(token.starts_with("scim_"), "{body}");
    assert_eq!(body["org"], app.org.as_str());
    assert_eq!(body["last4"], &token[token.len() - 4..]);
    assert!(body.get("graceExpires").is_none(), "{body}");
    assert_eq!(scim_status(&app, &app.token), 401);
    assert_eq!(scim_status(&app, token), 200);
    let meta = admin("GET", &format!("{}/token", app.org), None);
    assert_eq!(meta.status, 200, "{}", meta.text);
    assert_eq!(
        meta.json(),
        json!({"org": app.org, "created": body["created"], "last4": body["last4"], "shard": "main"})
    );
}

#[test]
fn rotation_with_grace_accepts_the_old_token_until_the_grace_ends() {
    let app = TestApp::new();
    let body = new_token(&app.org, Some(r#"{"graceSeconds": 2}"#));
    assert!(body["graceExpires"].is_string(), "{body}");
    let new = body["token"].as_str().unwrap();
    assert_eq!(scim_status(&app, &app.token), 200);
    assert_eq!(scim_status(&app, new), 200);
    let meta = admin("GET", &format!("{}/token", app.org), None).json();
    assert_eq!(meta["graceExpires"], body["graceExpires"]);
    std::thread::sleep(Duration::from_millis(2_500));
    assert_eq!(scim_status(&app, &app.token), 401);
    assert_eq!(scim_status(&app, new), 200);
    let meta = admin("GET", &format!("{}/token", app.org), None).json();
    assert!(meta.get("graceExpires").is_none(), "{meta}");
}

#[test]
fn grace_outside_zero_to_a_day_is_400() {
    let app = TestApp::new();
    for body in [r#"{"graceSeconds": 86401}"#, r#"{"graceSeconds": -5}"#] {
        let reply = admin("POST", &format!("{}/token", app.org), Some(body));
        let error = reply.scim_error(400);
        assert_eq!(error["scimType"], "invalidValue", "{error}");
    }
    assert_eq!(scim_status(&app, &app.token), 200);
}

#[test]
fn revocation_refuses_the_token_and_is_idempotent() {
    let app = TestApp::new();
    for _ in 0..2 {
        let reply = admin("DELETE", &format!("{}/token", app.org), None);
        assert_eq!(reply.status, 204, "{}", reply.text);
    }
    assert_eq!(scim_status(&app, &app.token), 401);
    admin("GET", &format!("{}/token", app.org), None).scim_error(404);
}

/// Two users with emails, and a group holding both.
fn seed(app: &TestApp) -> Vec<String> {
    let ids: Vec<String> = ["ann", "ben"]
        .iter()
        .map(|name| {
            let email = format!("{name}@{}.example", app.org);
            let reply = app.post(
                "/Users",
                &json!({"userName": email, "emails": [{"value": email, "type": "work"}]}),
            );
            assert_eq!(reply.status, 201, "{}", reply.text);
            reply.json()["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    let reply = app.post(
        "/Groups",
        &json!({"displayName": "Staff", "members": members}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    ids
}

#[test]
fn deleting_an_org_removes_all_of_its_data_and_leaves_other_orgs_alone() {
    let doomed = TestApp::new();
    let kept = TestApp::new();
    seed(&doomed);
    let kept_ids = seed(&kept);

    let reply = admin("DELETE", &doomed.org, None);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({"org": doomed.org, "tokenRevoked": true,
               "deleted": {"users": 2, "userEmails": 2, "groups": 1, "groupMembers": 2},
               "complete": true})
    );
    assert_eq!(scim_status(&doomed, &doomed.token), 401);

    // Through the SCIM API with a fresh token, the org is empty.
    let token = new_token(&doomed.org, None)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let auth = format!("Bearer {token}");
    for path in ["/Users", "/Groups"] {
        let list = send("GET", &doomed.url(path), &[("authorization", &auth)], None);
        assert_eq!(list.status, 200, "{}", list.text);
        assert_eq!(list.json()["totalResults"], 0, "{path}: {}", list.text);
    }

    // The other org keeps its users, emails, group and memberships.
    let users = kept.get("/Users");
    assert_eq!(users.json()["totalResults"], 2, "{}", users.text);
    let by_email = kept.get(&format!(
        "/Users?filter=emails.value+eq+%22ann%40{}.example%22",
        kept.org
    ));
    assert_eq!(by_email.json()["totalResults"], 1, "{}", by_email.text);
    let groups = kept.get("/Groups").json();
    assert_eq!(groups["totalResults"], 1);
    let mut members: Vec<String> = groups["Resources"][0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect();
    members.sort();
    let mut expected = kept_ids.clone();
    expected.sort();
    assert_eq!(members, expected);

    // Deleting again is harmless.
    let again = admin("DELETE", &doomed.org, None);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["deleted"]["users"], 0);
}
