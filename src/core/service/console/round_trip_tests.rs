//! The D1 round trips of every console, setup-page and registry-touching admin request, as the
//! request's log line reports them (`d1_round_trips`): each store operation is one batch, and
//! the registry rows and operator events of a token change ride in the same batch.

use super::super::test_app::{Reply, TestApp, ADMIN_SECRET};
use crate::core::http::Method;
use serde_json::json;

fn queries(reply: &Reply) -> u32 {
    reply.log.d1_round_trips
}

fn with_secret(app: &TestApp, method: Method, path: &str, body: Option<&str>) -> Reply {
    let auth = format!("Bearer {ADMIN_SECRET}");
    app.raw(method, path, vec![("authorization", auth.as_str())], body)
}

#[test]
fn console_requests_keep_their_round_trips() {
    let app = TestApp::new();
    // Rows as D1 sends them: every number a float, no `meta`.
    app.db.d1_shaped.set(true);
    let user = app.create_user("ann");
    let group = app.post(
        "/Groups",
        &json!({"displayName": "Everyone", "members": [{"value": user}]}),
    );
    let group = group.json()["id"].as_str().unwrap().to_owned();

    // Sign in: the expired-session sweep and the insert, one batch.
    let body = json!({ "secret": ADMIN_SECRET }).to_string();
    let signed_in = app.raw(
        Method::Post,
        "/admin/session",
        vec![("content-type", "application/json")],
        Some(&body),
    );
    assert_eq!(signed_in.status, 200);
    assert_eq!(queries(&signed_in), 1, "sign-in");
    let cookie = signed_in.header("set-cookie").unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let csrf = signed_in.json()["csrf"].as_str().unwrap().to_owned();
    let console = |method: Method, path: &str, body: Option<&str>| {
        app.raw(
            method,
            path,
            vec![
                ("cookie", cookie.as_str()),
                ("x-console-csrf", csrf.as_str()),
                ("content-type", "application/json"),
            ],
            body,
        )
    };

    let cases: Vec<(&str, Reply, u16, u32)> = vec![
        ("page", console(Method::Get, "/admin/", None), 200, 1),
        (
            "session",
            console(Method::Get, "/admin/session", None),
            200,
            1,
        ),
        // The session lookup, then the page of orgs.
        (
            "orgs (session)",
            console(Method::Get, "/admin/orgs", None),
            200,
            2,
        ),
        (
            "orgs",
            with_secret(&app, Method::Get, "/admin/orgs", None),
            200,
            1,
        ),
        // The registry check, the registry's orgs per shard (least-loaded placement,
        // docs/scaling.md), then the registry row and the event with the token.
        (
            "create org",
            with_secret(&app, Method::Post, "/admin/orgs/globex", None),
            201,
            3,
        ),
        (
            "new token",
            with_secret(&app, Method::Post, "/admin/orgs/globex/token", None),
            201,
            1,
        ),
        (
            "revoke token",
            with_secret(&app, Method::Delete, "/admin/orgs/globex/token", None),
            204,
            1,
        ),
        (
            "users",
            with_secret(&app, Method::Get, "/admin/orgs/acme/users?q=a", None),
            200,
            1,
        ),
        (
            "user's groups",
            with_secret(
                &app,
                Method::Get,
                &format!("/admin/orgs/acme/users/{user}/groups"),
                None,
            ),
            200,
            1,
        ),
        (
            "groups",
            with_secret(&app, Method::Get, "/admin/orgs/acme/groups", None),
            200,
            1,
        ),
        // The group and its first page of members, one batch.
        (
            "members",
            with_secret(
                &app,
                Method::Get,
                &format!("/admin/orgs/acme/groups/{group}/members"),
                None,
            ),
            200,
            1,
        ),
        (
            "unknown group's members",
            with_secret(
                &app,
                Method::Get,
                "/admin/orgs/acme/groups/nope/members",
                None,
            ),
            404,
            1,
        ),
        // acme is only in KV: one read of which names are known, one insert.
        (
            "backfill",
            with_secret(&app, Method::Post, "/admin/backfill", None),
            200,
            2,
        ),
        (
            "backfill again",
            with_secret(&app, Method::Post, "/admin/backfill", None),
            200,
            1,
        ),
    ];
    for (name, reply, status, expected) in cases {
        assert_eq!(reply.status, status, "{name}: {:?}", reply.response.body);
        assert_eq!(queries(&reply), expected, "{name}");
    }

    let created = with_secret(
        &app,
        Method::Post,
        "/admin/orgs/acme/setup-link",
        Some(r#"{"hours": 2}"#),
    );
    assert_eq!(created.status, 201);
    assert_eq!(queries(&created), 1, "new setup link");
    let url = created.json()["url"].as_str().unwrap().to_owned();
    let link = url.strip_prefix("https://scim.example.com").unwrap();
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let listed = with_secret(&app, Method::Get, "/admin/orgs/acme/setup-links", None);
    assert_eq!(queries(&listed), 1, "setup links");
    let page = app.raw(Method::Get, link, vec![], None);
    assert_eq!((page.status, queries(&page)), (200, 1), "setup page");
    let info = app.raw(Method::Get, &format!("{link}/api/info"), vec![], None);
    assert_eq!((info.status, queries(&info)), (200, 1), "setup info");
    // The link, then the registry row and the event with the token.
    let token = app.raw(
        Method::Post,
        &format!("{link}/api/token"),
        vec![("x-setup-request", "1")],
        Some("{}"),
    );
    assert_eq!((token.status, queries(&token)), (201, 2), "setup token");
    let events = app.raw(Method::Get, &format!("{link}/api/events"), vec![], None);
    assert_eq!((events.status, queries(&events)), (200, 2), "setup events");
    let revoked = with_secret(
        &app,
        Method::Delete,
        &format!("/admin/orgs/acme/setup-links/{id}"),
        None,
    );
    assert_eq!((revoked.status, queries(&revoked)), (204, 1), "revoke link");
    let unknown = with_secret(
        &app,
        Method::Delete,
        "/admin/orgs/acme/setup-links/0123456789abcdef",
        None,
    );
    assert_eq!(
        (unknown.status, queries(&unknown)),
        (404, 1),
        "unknown link"
    );
    let refused = app.raw(Method::Get, link, vec![], None);
    assert_eq!(
        (refused.status, queries(&refused)),
        (410, 1),
        "revoked page"
    );
    let malformed = app.raw(Method::Get, "/setup/x", vec![], None);
    assert_eq!(
        (malformed.status, queries(&malformed)),
        (404, 0),
        "malformed link"
    );

    // Registry and links go in one batch, then one purge round and the final check. (The
    // purge reads each chunk's `changes`: without D1's `meta` it would run every round.)
    app.db.d1_shaped.set(false);
    let deleted = with_secret(&app, Method::Delete, "/admin/orgs/acme", None);
    assert_eq!((deleted.status, queries(&deleted)), (200, 3), "delete org");

    // The session lookup, then the delete.
    let signed_out = console(Method::Delete, "/admin/session", None);
    assert_eq!(
        (signed_out.status, queries(&signed_out)),
        (204, 2),
        "sign-out"
    );
    let ended = console(Method::Get, "/admin/session", None);
    assert_eq!((ended.status, queries(&ended)), (401, 1), "ended session");
}
