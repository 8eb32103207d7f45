//! Concurrent writers: optimistic concurrency must neither lose updates nor let two
//! conditional writers both win.

use crate::helpers::{patch_body, TestApp, ENTERPRISE, USER_SCHEMA};
use serde_json::{json, Value};
use std::sync::{Arc, Barrier, Mutex};

const WRITERS: usize = 32;

/// One burst of writers at a time: the races under test are within a burst, and four bursts
/// at once would only measure how a 2-core machine copes with 128 connections.
static BURST: Mutex<()> = Mutex::new(());

/// Runs `WRITERS` copies of `f(i)` on threads released together; returns the statuses.
fn in_parallel<F>(f: F) -> Vec<u16>
where
    F: Fn(usize) -> u16 + Send + Sync + 'static,
{
    let _burst = BURST.lock().unwrap_or_else(|e| e.into_inner());
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (f, barrier) = (Arc::clone(&f), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                f(i)
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("writer thread"))
        .collect()
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|&&s| s == status).count()
}

#[test]
fn parallel_patches_with_the_same_if_match_let_exactly_one_win() {
    let app = Arc::new(TestApp::new());
    let created = app.create_user("racer");
    let id = created["id"].as_str().unwrap().to_owned();
    let etag = created["meta"]["version"].as_str().unwrap().to_owned();
    let shared = Arc::clone(&app);
    let statuses = in_parallel(move |i| {
        let body =
            patch_body(json!([{"op": "replace", "path": "displayName", "value": format!("w{i}")}]));
        shared
            .send_with(
                "PATCH",
                &format!("/Users/{id}"),
                &[("if-match", &etag)],
                Some(&body),
            )
            .status
    });
    assert_eq!(count(&statuses, 200), 1, "{statuses:?}");
    assert_eq!(count(&statuses, 412), WRITERS - 1, "{statuses:?}");
}

/// 32 distinct writable singular paths of a User.
fn distinct_paths() -> Vec<String> {
    let core = [
        "displayName",
        "nickName",
        "profileUrl",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
        "externalId",
        "name.formatted",
        "name.familyName",
        "name.givenName",
        "name.middleName",
        "name.honorificPrefix",
        "name.honorificSuffix",
    ];
    let enterprise = [
        "employeeNumber",
        "costCenter",
        "organization",
        "division",
        "department",
    ];
    let mut paths: Vec<String> = core.iter().map(|p| (*p).to_owned()).collect();
    paths.extend(enterprise.iter().map(|p| format!("{ENTERPRISE}:{p}")));
    // Distinct emails fill the rest: each writer adds its own address.
    let mut i = 0;
    while paths.len() < WRITERS {
        paths.push(format!("emails#{i}"));
        i += 1;
    }
    paths
}

fn value_at<'a>(user: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(attr) = path.strip_prefix(&format!("{ENTERPRISE}:")) {
        return user.get(ENTERPRISE)?.get(attr);
    }
    match path.split_once('.') {
        Some((parent, sub)) => user.get(parent)?.get(sub),
        None => user.get(path),
    }
}

#[test]
fn parallel_patches_of_different_attributes_without_if_match_all_land() {
    let app = Arc::new(TestApp::new());
    let id = app
        .post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "userName": "busy"}),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let paths = Arc::new(distinct_paths());
    let (shared, shared_paths, path_id) = (Arc::clone(&app), Arc::clone(&paths), id.clone());
    let statuses = in_parallel(move |i| {
        let path = &shared_paths[i];
        let op = match path.strip_prefix("emails#") {
            Some(n) => json!({"op": "add", "path": "emails",
                              "value": [{"value": format!("mail{n}@example.com"), "type": format!("t{n}")}]}),
            None => json!({"op": "replace", "path": path, "value": format!("v{i}")}),
        };
        shared
            .patch(&format!("/Users/{path_id}"), &patch_body(json!([op])))
            .status
    });
    assert_eq!(count(&statuses, 200), WRITERS, "{statuses:?}");
    let user = app.get_ok(&format!("/Users/{id}"));
    let mut emails = 0;
    for (i, path) in paths.iter().enumerate() {
        if path.starts_with("emails#") {
            emails += 1;
            continue;
        }
        assert_eq!(
            value_at(&user, path),
            Some(&Value::from(format!("v{i}"))),
            "{path} lost: {user}"
        );
    }
    assert_eq!(
        user["emails"].as_array().map_or(0, Vec::len),
        emails,
        "emails lost: {user}"
    );
}

#[test]
fn parallel_posts_of_one_user_name_create_exactly_one_user() {
    let app = Arc::new(TestApp::new());
    let shared = Arc::clone(&app);
    let statuses = in_parallel(move |i| {
        let name = if i % 2 == 0 {
            "Same@Example.com"
        } else {
            "same@example.com"
        };
        shared
            .post(
                "/Users",
                &json!({"schemas": [USER_SCHEMA], "userName": name}),
            )
            .status
    });
    assert_eq!(count(&statuses, 201), 1, "{statuses:?}");
    assert_eq!(count(&statuses, 409), WRITERS - 1, "{statuses:?}");
    assert_eq!(app.get_ok("/Users")["totalResults"], 1);
}

#[test]
fn parallel_member_adds_to_one_group_all_land() {
    let app = Arc::new(TestApp::new());
    let users: Vec<String> = (0..WRITERS)
        .map(|i| app.create_user_id(&format!("member{i}")))
        .collect();
    let group = app.create_group_id("Crowd", &[]);
    let users = Arc::new(users);
    let (shared, shared_users, shared_group) =
        (Arc::clone(&app), Arc::clone(&users), group.clone());
    let statuses = in_parallel(move |i| {
        shared
            .patch(
                &format!("/Groups/{shared_group}"),
                &patch_body(json!([{"op": "Add", "path": "members",
                                    "value": [{"value": shared_users[i]}]}])),
            )
            .status
    });
    assert_eq!(count(&statuses, 204), WRITERS, "{statuses:?}");
    let mut expected: Vec<String> = users.to_vec();
    expected.sort();
    assert_eq!(app.member_ids(&group), expected);
}
