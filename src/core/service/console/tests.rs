//! Native tests of the console, its admin routes and the setup page, through the whole service.

use super::super::test_app::{Reply, TestApp, ADMIN_SECRET};
use crate::core::console::assets::CONTENT_SECURITY_POLICY;
use crate::core::console::session::SESSION_SECONDS;
use crate::core::http::Method;
use crate::core::kv::KeyValue;
use crate::core::testing::block_on;
use crate::core::token::{kv_key, NewToken};
use serde_json::{json, Value};

struct Session {
    cookie: String,
    csrf: String,
}

fn sign_in(app: &TestApp, secret: &str) -> Reply {
    let body = json!({ "secret": secret }).to_string();
    app.raw(
        Method::Post,
        "/admin/session",
        vec![("content-type", "application/json")],
        Some(&body),
    )
}

fn session(app: &TestApp) -> Session {
    let reply = sign_in(app, ADMIN_SECRET);
    assert_eq!(reply.status, 200, "{:?}", reply.response.body);
    let set_cookie = reply.header("set-cookie").unwrap().to_owned();
    Session {
        cookie: set_cookie.split(';').next().unwrap().to_owned(),
        csrf: reply.json()["csrf"].as_str().unwrap().to_owned(),
    }
}

fn as_console(app: &TestApp, s: &Session, method: Method, path: &str, body: Option<&str>) -> Reply {
    app.raw(
        method,
        path,
        vec![
            ("cookie", s.cookie.as_str()),
            ("x-console-csrf", s.csrf.as_str()),
            ("content-type", "application/json"),
        ],
        body,
    )
}

#[test]
fn sign_in_refuses_a_wrong_secret_and_opens_a_strict_session() {
    let app = TestApp::new();
    let wrong = sign_in(&app, "not-the-secret");
    assert_eq!(wrong.status, 401);
    let reply = sign_in(&app, ADMIN_SECRET);
    assert_eq!(reply.status, 200);
    let cookie = reply.header("set-cookie").unwrap();
    for part in ["HttpOnly", "Secure", "SameSite=Strict", "Max-Age=43200"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    // A form post (not JSON) cannot sign in.
    let form = app.raw(
        Method::Post,
        "/admin/session",
        vec![("content-type", "application/x-www-form-urlencoded")],
        Some("secret=operator-secret"),
    );
    assert_eq!(form.status, 415);
}

#[test]
fn the_console_page_is_401_without_a_session_and_carries_the_security_headers() {
    let app = TestApp::new();
    let anonymous = app.raw(Method::Get, "/admin/", vec![], None);
    assert_eq!(anonymous.status, 401);
    assert!(anonymous
        .response
        .body
        .as_deref()
        .unwrap()
        .contains("id=\"sign-in\""));
    assert_eq!(
        anonymous.header("content-security-policy"),
        Some(CONTENT_SECURITY_POLICY)
    );
    assert_eq!(anonymous.header("referrer-policy"), Some("no-referrer"));
    let s = session(&app);
    let page = as_console(&app, &s, Method::Get, "/admin", None);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
}

#[test]
fn without_an_admin_secret_the_console_does_not_exist() {
    let app = TestApp::new().without_admin_secret();
    for path in ["/admin", "/admin/", "/admin/session"] {
        assert_eq!(
            app.raw(Method::Get, path, vec![], None).status,
            404,
            "{path}"
        );
    }
}

#[test]
fn a_session_reads_freely_but_writes_only_with_its_csrf_header() {
    let app = TestApp::new();
    let s = session(&app);
    let read = app.raw(
        Method::Get,
        "/admin/orgs/acme/token",
        vec![("cookie", &s.cookie)],
        None,
    );
    assert_eq!(read.status, 200);
    let forged = app.raw(
        Method::Post,
        "/admin/orgs/acme/token",
        vec![("cookie", &s.cookie)],
        None,
    );
    assert_eq!(forged.status, 403);
    let other = app.raw(
        Method::Post,
        "/admin/orgs/acme/token",
        vec![("cookie", &s.cookie), ("x-console-csrf", "0000")],
        None,
    );
    assert_eq!(other.status, 403);
    let ok = as_console(&app, &s, Method::Post, "/admin/orgs/acme/token", None);
    assert_eq!(ok.status, 201);
}

#[test]
fn sessions_end_at_sign_out_after_twelve_hours_and_when_the_secret_changes() {
    let mut app = TestApp::new();
    let s = session(&app);
    let info = |app: &TestApp| as_console(app, &s, Method::Get, "/admin/session", None).status;
    assert_eq!(info(&app), 200);
    app.now_ms += SESSION_SECONDS * 1000;
    assert_eq!(info(&app), 401);
    app.now_ms -= SESSION_SECONDS * 1000;
    app.admin_secret = Some("another-secret");
    assert_eq!(info(&app), 401);
    app.admin_secret = Some(ADMIN_SECRET);
    assert_eq!(info(&app), 200);
    assert_eq!(
        as_console(&app, &s, Method::Delete, "/admin/session", None).status,
        204
    );
    assert_eq!(info(&app), 401);
    let expired = as_console(&app, &s, Method::Get, "/admin/orgs", None);
    assert_eq!(expired.status, 401);
}

#[test]
fn orgs_are_created_once_listed_with_counts_and_searched() {
    let app = TestApp::new();
    let s = session(&app);
    let created = as_console(&app, &s, Method::Post, "/admin/orgs/globex", None);
    assert_eq!(created.status, 201, "{:?}", created.response.body);
    let token = created.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.scim_as("globex", &token, Method::Get, "/Users").status,
        200
    );
    assert_eq!(
        as_console(&app, &s, Method::Post, "/admin/orgs/globex", None).status,
        409
    );
    // acme has a token in KV but is not registered yet: creating it is refused too.
    assert_eq!(
        as_console(&app, &s, Method::Post, "/admin/orgs/acme", None).status,
        409
    );
    let user = json!({"userName": "ann@globex.example"});
    let auth = format!("Bearer {token}");
    let posted = app.raw(
        Method::Post,
        "/scim/v2/globex/Users",
        vec![
            ("authorization", &auth),
            ("content-type", "application/scim+json"),
        ],
        Some(&user.to_string()),
    );
    assert_eq!(posted.status, 201);
    let list = as_console(&app, &s, Method::Get, "/admin/orgs?q=LOB", None).json();
    let orgs = list["orgs"].as_array().unwrap();
    assert_eq!(orgs.len(), 1, "{list}");
    assert_eq!(orgs[0]["org"], "globex");
    assert_eq!(orgs[0]["users"], 1);
    assert_eq!(orgs[0]["token"]["last4"], json!(&token[token.len() - 4..]));
    assert!(orgs[0]["lastActivity"].is_string());
    let none = as_console(&app, &s, Method::Get, "/admin/orgs?q=%25", None).json();
    assert_eq!(none["orgs"], json!([]));
}

#[test]
fn backfill_registers_orgs_that_exist_only_in_kv() {
    let app = TestApp::new();
    for org in ["b1", "b2", "b3", "b4"] {
        let record = serde_json::to_string(
            &NewToken::generate()
                .unwrap()
                .record("2026-01-01T00:00:00.000Z"),
        )
        .unwrap();
        block_on(app.kv.put(&kv_key(org), &record)).unwrap();
    }
    block_on(app.kv.put("other:key", "x")).unwrap();
    let mut cursor = Value::Null;
    let mut added = 0;
    for _ in 0..10 {
        let body = json!({ "cursor": cursor }).to_string();
        let reply = app.raw(
            Method::Post,
            "/admin/backfill",
            vec![("authorization", &format!("Bearer {ADMIN_SECRET}"))],
            Some(&body),
        );
        assert_eq!(reply.status, 200, "{:?}", reply.response.body);
        let page = reply.json();
        added += page["added"].as_u64().unwrap();
        cursor = page["cursor"].clone();
        if page["complete"] == json!(true) {
            break;
        }
    }
    assert_eq!(added, 5, "acme and b1..b4");
    let s = session(&app);
    let list = as_console(&app, &s, Method::Get, "/admin/orgs", None).json();
    let names: Vec<&str> = list["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["org"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme", "b1", "b2", "b3", "b4"]);
    assert_eq!(
        list["orgs"][1]["token"]["created"],
        "2026-01-01T00:00:00.000Z"
    );
    // A second pass finds nothing new.
    let again = app.raw(
        Method::Post,
        "/admin/backfill",
        vec![("authorization", &format!("Bearer {ADMIN_SECRET}"))],
        None,
    );
    assert_eq!(again.json()["added"], 0);
}

fn new_link(app: &TestApp, s: &Session, org: &str, hours: u64) -> String {
    let reply = as_console(
        app,
        s,
        Method::Post,
        &format!("/admin/orgs/{org}/setup-link"),
        Some(&json!({"hours": hours}).to_string()),
    );
    assert_eq!(reply.status, 201, "{:?}", reply.response.body);
    let url = reply.json()["url"].as_str().unwrap().to_owned();
    url.strip_prefix("https://scim.example.com")
        .unwrap()
        .to_owned()
}

#[test]
fn setup_links_open_one_org_until_they_expire_or_are_revoked() {
    let mut app = TestApp::new();
    let s = session(&app);
    assert_eq!(
        as_console(&app, &s, Method::Post, "/admin/orgs/initech", None).status,
        201
    );
    for hours in [0, 169] {
        let bad = as_console(
            &app,
            &s,
            Method::Post,
            "/admin/orgs/initech/setup-link",
            Some(&json!({"hours": hours}).to_string()),
        );
        assert_eq!(bad.status, 400);
    }
    // An org that is not registered gets no link.
    let unregistered = as_console(
        &app,
        &s,
        Method::Post,
        "/admin/orgs/nobody/setup-link",
        Some(r#"{"hours":1}"#),
    );
    assert_eq!(unregistered.status, 404);
    let link = new_link(&app, &s, "initech", 2);
    let page = app.raw(Method::Get, &link, vec![], None);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-security-policy"),
        Some(CONTENT_SECURITY_POLICY)
    );
    let info = app
        .raw(Method::Get, &format!("{link}/api/info"), vec![], None)
        .json();
    assert_eq!(info["org"], "initech");
    assert_eq!(
        info["tenantUrl"],
        "https://scim.example.com/scim/v2/initech"
    );
    // POST needs the page's header; with it, a new token that works on SCIM.
    assert_eq!(
        app.raw(
            Method::Post,
            &format!("{link}/api/token"),
            vec![],
            Some("{}")
        )
        .status,
        403
    );
    let issued = app.raw(
        Method::Post,
        &format!("{link}/api/token"),
        vec![("x-setup-request", "1")],
        Some("{}"),
    );
    assert_eq!(issued.status, 201);
    let token = issued.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.scim_as("initech", &token, Method::Get, "/Users").status,
        200
    );
    assert_eq!(
        app.scim_as("acme", &token, Method::Get, "/Users").status,
        401
    );
    // Expired: a clear page, 410.
    app.now_ms += 2 * 3_600_000;
    let gone = app.raw(Method::Get, &link, vec![], None);
    assert_eq!(gone.status, 410);
    assert!(gone
        .response
        .body
        .as_deref()
        .unwrap()
        .contains("no longer valid"));
    assert_eq!(
        app.raw(Method::Get, &format!("{link}/api/info"), vec![], None)
            .status,
        410
    );
    app.now_ms -= 2 * 3_600_000;
    // Revoked from the console.
    let links = as_console(
        &app,
        &s,
        Method::Get,
        "/admin/orgs/initech/setup-links",
        None,
    )
    .json();
    let id = links["links"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        as_console(
            &app,
            &s,
            Method::Delete,
            &format!("/admin/orgs/initech/setup-links/{id}"),
            None
        )
        .status,
        204
    );
    assert_eq!(app.raw(Method::Get, &link, vec![], None).status, 410);
    // Unknown and malformed links.
    assert_eq!(
        app.raw(
            Method::Get,
            "/setup/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            vec![],
            None
        )
        .status,
        404
    );
    assert_eq!(app.raw(Method::Get, "/setup/x", vec![], None).status, 404);
    // Deleting the org removes its links.
    let link = new_link(&app, &s, "initech", 1);
    assert_eq!(
        as_console(&app, &s, Method::Delete, "/admin/orgs/initech", None).status,
        200
    );
    assert_eq!(app.raw(Method::Get, &link, vec![], None).status, 404);
    let list = as_console(&app, &s, Method::Get, "/admin/orgs", None).json();
    assert_eq!(list["orgs"], json!([]));
}

#[test]
fn the_directory_is_searched_by_prefix_and_members_come_in_pages() {
    let app = TestApp::new();
    let admin = |path: &str| app.admin(Method::Get, path, None);
    let ann = app.post("/Users", &json!({"userName": "ann", "displayName": "Ann <b>Bold</b>", "emails": [{"value": "zed@example.com", "primary": true}]}));
    let ann = ann.json()["id"].as_str().unwrap().to_owned();
    let mut members = vec![json!({"value": ann})];
    for i in 0..119 {
        members.push(json!({"value": app.create_user(&format!("user{i:03}"))}));
    }
    let group = app.post(
        "/Groups",
        &json!({"displayName": "Everyone", "members": members}),
    );
    assert_eq!(group.status, 201, "{:?}", group.response.body);
    let group = group.json()["id"].as_str().unwrap().to_owned();
    for (q, expect) in [
        ("AN", "ann"),
        ("ann%20%3Cb", "ann"),
        ("zed@", "ann"),
        ("user118", "user118"),
    ] {
        let found = admin(&format!("acme/users?q={q}")).json();
        assert_eq!(found["users"][0]["userName"], expect, "{q}: {found}");
        assert_eq!(found["users"].as_array().unwrap().len(), 1, "{q}");
    }
    let first = admin("acme/users").json();
    assert_eq!(first["users"].as_array().unwrap().len(), 50);
    assert_eq!(first["users"][0]["displayName"], "Ann <b>Bold</b>");
    assert_eq!(first["users"][0]["email"], "zed@example.com");
    let next = first["next"].as_str().unwrap();
    let second = admin(&format!("acme/users?after={next}")).json();
    assert_eq!(second["users"][0]["userName"], "user049");
    let mut seen = 0;
    let mut after = String::new();
    loop {
        let page = admin(&format!("acme/groups/{group}/members?after={after}")).json();
        let n = page["members"].as_array().unwrap().len();
        assert!(n <= 50);
        seen += n;
        match page["next"].as_str() {
            Some(key) => after = key.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, 120);
    let groups = admin(&format!("acme/users/{ann}/groups")).json();
    assert_eq!(groups["groups"][0]["displayName"], "Everyone");
    assert_eq!(
        admin("acme/groups?q=ev").json()["groups"][0]["id"],
        json!(group)
    );
    assert_eq!(admin("acme/groups/nope/members").status, 404);
}

#[test]
fn assets_are_served_and_unknown_ones_are_404() {
    let app = TestApp::new();
    let js = app.raw(Method::Get, "/assets/console.js", vec![], None);
    assert_eq!(js.status, 200);
    assert_eq!(
        js.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        app.raw(Method::Get, "/assets/nope.js", vec![], None).status,
        404
    );
}

#[test]
fn console_routes_answer_405_for_other_methods_and_404_for_other_paths() {
    let app = TestApp::new();
    for (method, path, allow) in [
        (Method::Post, "acme/users", "GET"),
        (Method::Delete, "acme/groups/g1/members", "GET"),
        (Method::Get, "acme/setup-links/0123456789abcdef", "DELETE"),
        (Method::Get, "acme/setup-link", "POST"),
    ] {
        let reply = app.admin(method, path, None);
        assert_eq!(reply.status, 405, "{path}");
        assert_eq!(reply.header("allow"), Some(allow), "{path}");
    }
    assert_eq!(
        app.admin(Method::Get, "acme/users/u1/nothing", None).status,
        404
    );
    assert_eq!(
        app.raw(Method::Get, "/admin/nothing", vec![], None).status,
        404
    );
}
