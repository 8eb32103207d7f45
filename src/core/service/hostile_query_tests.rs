//! Hostile filters and query parameters through the whole service: malformed ones are SCIM
//! 400s, and injection attempts find exactly the users whose values match literally (values
//! are bound parameters; `LIKE` escapes `%` and `_`).

use super::hostile_tests::{assert_scim_error, dump};
use super::test_app::TestApp;
use crate::core::http::Method;
use serde_json::{json, Value};

/// The user names whose values contain SQL and `LIKE` metacharacters.
const NAMES: &[&str] = &[
    "plain",
    "o'brien",
    "100%",
    "100x",
    "a_b",
    "axb",
    "dash--dash",
    "semi;colon",
    "back\\slash",
    "quote\"d",
    "x' OR '1'='1",
    "robert'); DROP TABLE users;--",
];

fn app_with_names() -> TestApp {
    let app = TestApp::new();
    for name in NAMES {
        app.create_user(name);
    }
    app
}

/// Percent-encodes a query parameter value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The sorted userNames a filter finds, by GET and by POST .search (which must agree).
fn found(app: &TestApp, filter: &str) -> Vec<String> {
    let reply = app.get(&format!("/Users?count=200&filter={}", enc(filter)));
    assert_eq!(reply.status, 200, "{filter}: {:?}", reply.response.body);
    let names = |body: Value| {
        let mut names: Vec<String> = body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let by_get = names(reply.json());
    let search = app.post(
        "/Users/.search",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": filter, "count": 200}),
    );
    assert_eq!(search.status, 200, "{filter}: {:?}", search.response.body);
    assert_eq!(
        names(search.json()),
        by_get,
        "{filter}: GET and .search differ"
    );
    by_get
}

/// A SearchRequest body (RFC 7644 §3.4.3) with these members.
fn search(members: Value) -> Value {
    let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]});
    for (k, v) in members.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn injection_attempts_in_filters_match_literally() {
    let app = app_with_names();
    let before = dump(&app);
    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "o'brien""#, &["o'brien"]),
        (r#"userName co "%""#, &["100%"]),
        (r#"userName sw "100%""#, &["100%"]),
        (r#"userName ew "0%""#, &["100%"]),
        (r#"userName co "_""#, &["a_b"]),
        (r#"userName sw "a_""#, &["a_b"]),
        (
            r#"userName co "--""#,
            &["dash--dash", "robert'); DROP TABLE users;--"],
        ),
        (
            r#"userName co ";""#,
            &["robert'); DROP TABLE users;--", "semi;colon"],
        ),
        (r#"userName co "\\""#, &["back\\slash"]),
        (r#"userName eq "quote\"d""#, &["quote\"d"]),
        (r#"userName eq "x' OR '1'='1""#, &["x' OR '1'='1"]),
        (r#"userName eq "x\" or \"1\" eq \"1""#, &[]),
        (r#"userName eq "plain' --""#, &[]),
        (
            r#"userName eq "robert'); DROP TABLE users;--""#,
            &["robert'); DROP TABLE users;--"],
        ),
        (
            r#"userName co "'""#,
            &["o'brien", "robert'); DROP TABLE users;--", "x' OR '1'='1"],
        ),
        (r#"userName eq "%""#, &[]),
        (r#"userName eq "_""#, &[]),
        (
            r#"displayName eq "x' OR 1=1 --" or userName eq "plain""#,
            &["plain"],
        ),
        (r#"emails.value co "%""#, &[]),
        (r#"emails[value co "_"]"#, &[]),
    ];
    for (filter, expected) in cases {
        assert_eq!(found(&app, filter), sorted(expected), "{filter}");
    }
    // Case-insensitive userName (caseExact false) with metacharacters still literal.
    assert_eq!(
        found(&app, r#"userName eq "O'BRIEN""#),
        sorted(&["o'brien"])
    );
    assert_eq!(dump(&app), before, "a filter changed the database");
    assert_eq!(
        app.db.query("SELECT COUNT(*) AS n FROM users", vec![])[0]["n"],
        NAMES.len()
    );
}

#[test]
fn malformed_filters_are_invalid_filter() {
    let app = app_with_names();
    let long = format!("userName eq \"{}\"", "x".repeat(5000));
    let deep = format!("{}userName eq \"a\"{}", "(".repeat(40), ")".repeat(40));
    let deep_not = format!("{}userName eq \"a\"{}", "not (".repeat(40), ")".repeat(40));
    let wide = vec!["userName eq \"a\""; 50].join(" or ");
    let bad: Vec<String> = vec![
        long,
        deep,
        deep_not,
        wide,
        "(userName eq \"a\"".into(),
        "userName eq \"a\")".into(),
        "userName eq \"a".into(),
        "userName eq".into(),
        "userName".into(),
        "userName eq \"a\" or".into(),
        "userName eq \"a\" and and userName eq \"b\"".into(),
        "userName = \"a\"".into(),
        "userName eq \"a\"; DROP TABLE users".into(),
        "userName eq \"a\" -- comment".into(),
        "emails[value eq \"a\"".into(),
        "emails[value eq \"a\"]]".into(),
        "emails[emails[value eq \"a\"]]".into(),
        "\"userName\" eq \"a\"".into(),
        "userName eq \"\\u0000\"x".into(),
        "userName gt true".into(),
        "nosuch eq \"a\"".into(),
        "meta.created gt \"not a date\"".into(),
        "\u{0}".into(),
    ];
    for filter in &bad {
        let reply = app.get(&format!("/Users?filter={}", enc(filter)));
        assert!(
            reply.status == 400,
            "{filter:.80}: {} {:?}",
            reply.status,
            reply.response.body
        );
        assert_scim_error(&reply, 400, reply.scim_type().as_deref());
        let kind = reply.scim_type().unwrap_or_default();
        assert!(
            kind == "invalidFilter" || kind == "invalidValue",
            "{filter:.80}: {kind}"
        );
        let search = app.post("/.search", &search(json!({"filter": filter})));
        assert_eq!(
            search.status, 400,
            "{filter:.80}: {:?}",
            search.response.body
        );
    }
}

#[test]
fn hostile_paging_parameters_clamp_or_are_invalid_value() {
    let app = app_with_names();
    let total = NAMES.len() as u64;
    let page = |query: &str| {
        let reply = app.get(&format!("/Users?{query}"));
        assert_eq!(reply.status, 200, "{query}: {:?}", reply.response.body);
        let body = reply.json();
        assert_eq!(body["totalResults"], total, "{query}");
        (
            body["startIndex"].as_u64().unwrap_or(0),
            body["Resources"].as_array().map_or(0, Vec::len),
        )
    };
    // RFC 7644 §3.4.2.4: startIndex < 1 is 1, count < 0 is 0; huge values clamp.
    assert_eq!(page("startIndex=-5"), (1, NAMES.len()));
    assert_eq!(page("startIndex=0"), (1, NAMES.len()));
    assert_eq!(
        page("startIndex=-99999999999999999999999"),
        (1, NAMES.len())
    );
    assert_eq!(page("startIndex=99999999999999999999999").1, 0);
    assert_eq!(page("startIndex=2147483647").1, 0);
    assert_eq!(page("count=-1").1, 0);
    assert_eq!(page("count=0").1, 0);
    assert_eq!(page("count=99999999999999999999999").1, NAMES.len());
    assert_eq!(page("count=2&startIndex=3").1, 2);
    for query in [
        "startIndex=abc",
        "startIndex=1.5",
        "startIndex=1e3",
        "startIndex=",
        "startIndex=0x10",
        "startIndex=%00",
        "count=abc",
        "count=--1",
        "count=1;DROP TABLE users",
        "count=%FF",
        "sortOrder=sideways",
        "filter=%FF",
    ] {
        let reply = app.get(&format!("/Users?{query}"));
        assert_eq!(reply.status, 400, "{query}: {:?}", reply.response.body);
        assert_scim_error(&reply, 400, reply.scim_type().as_deref());
    }
    for body in [
        json!({"startIndex": "one"}),
        json!({"count": "ten"}),
        json!({"count": 1.5}),
        json!({"filter": 42}),
        json!({"sortBy": ["userName"]}),
    ] {
        let reply = app.post("/Users/.search", &search(body.clone()));
        assert_eq!(reply.status, 400, "{body}: {:?}", reply.response.body);
        assert_scim_error(&reply, 400, reply.scim_type().as_deref());
    }
}

#[test]
fn unknown_or_hostile_sort_by_is_invalid_value() {
    let app = app_with_names();
    for sort_by in [
        "nosuchattribute",
        "userName; DROP TABLE users",
        "userName--",
        "emails[type eq \"work\"].value",
        "x".repeat(5000).as_str(),
    ] {
        let reply = app.get(&format!("/Users?sortBy={}", enc(sort_by)));
        assert_scim_error(&reply, 400, Some("invalidValue"));
        let reply = app.post("/Users/.search", &search(json!({"sortBy": sort_by})));
        assert_scim_error(&reply, 400, Some("invalidValue"));
    }
    assert_eq!(
        app.db.query("SELECT COUNT(*) AS n FROM users", vec![])[0]["n"],
        NAMES.len()
    );
}

#[test]
fn hostile_ids_and_paths_are_404_not_500() {
    let app = app_with_names();
    let before = dump(&app);
    let long = "a".repeat(10_000);
    for id in [
        "%27%20OR%20%271%27%3D%271",
        "1%3B%20DROP%20TABLE%20users",
        "%25",
        "%5F",
        "..%2F..%2Fadmin",
        "%00",
        "%FF%FE",
        long.as_str(),
    ] {
        for kind in ["Users", "Groups"] {
            let path = format!("/{kind}/{id}");
            for method in [Method::Get, Method::Delete] {
                let reply = app.call(method, &path, None, vec![]);
                assert_scim_error(&reply, 404, None);
            }
            let reply = app.call(
                Method::Patch,
                &path,
                Some(
                    &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "displayName", "value": "x"}]}),
                ),
                vec![],
            );
            assert_scim_error(&reply, 404, None);
        }
    }
    for org in ["..", "a%2Fb", "%27", &"o".repeat(65)] {
        let reply = app.raw(
            Method::Get,
            &format!("/scim/v2/{org}/Users"),
            vec![("authorization", "Bearer x")],
            None,
        );
        assert_scim_error(&reply, 404, None);
    }
    let reply = app.call(Method::Other, "/Users", None, vec![]);
    assert_scim_error(&reply, 405, None);
    assert_eq!(dump(&app), before);
}
