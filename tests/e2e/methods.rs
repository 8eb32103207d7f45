//! HTTP methods through the Workers glue: the worker reads the method the client sent, so
//! methods the `worker` crate does not know (it maps them to GET) are refused, not served.

use crate::helpers::{send, TestApp};

const RESOURCE_ALLOW: &str = "GET, HEAD, PUT, PATCH, DELETE, OPTIONS";

#[test]
fn webdav_and_other_unknown_methods_are_405_with_allow_not_a_get() {
    let app = TestApp::new();
    let id = app.create_user_id("method.probe@example.com");
    let auth = app.auth();
    for method in ["PROPFIND", "REPORT", "MKCOL", "SEARCH", "TRACE"] {
        let reply = send(
            method,
            &app.url(&format!("/Users/{id}")),
            &[("authorization", &auth)],
            None,
        );
        let body = reply.scim_error(405);
        assert!(!reply.text.contains("method.probe"), "{method}: {body}");
        assert_eq!(reply.header("allow"), Some(RESOURCE_ALLOW), "{method}");
    }
    let reply = send(
        "PROPFIND",
        &app.url("/Users"),
        &[("authorization", &auth)],
        None,
    );
    reply.scim_error(405);
    assert_eq!(reply.header("allow"), Some("GET, HEAD, POST, OPTIONS"));
    // The user is still there, untouched.
    assert_eq!(app.get(&format!("/Users/{id}")).status, 200);
}

#[test]
fn unknown_methods_on_unknown_paths_are_404() {
    let app = TestApp::new();
    let reply = send(
        "PROPFIND",
        &app.url("/Widgets"),
        &[("authorization", &app.auth())],
        None,
    );
    reply.scim_error(404);
}

#[test]
fn options_lists_methods_and_head_is_get_without_content() {
    let app = TestApp::new();
    let id = app.create_user_id("head.probe@example.com");
    let auth = app.auth();
    let reply = send("OPTIONS", &app.url("/Users/.search"), &[], None);
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
    let get = app.get(&format!("/Users/{id}"));
    let head = send(
        "HEAD",
        &app.url(&format!("/Users/{id}")),
        &[("authorization", &auth)],
        None,
    );
    assert_eq!(head.status, 200);
    assert_eq!(head.text, "");
    assert_eq!(head.header("etag"), get.header("etag"));
}

/// Method names are case-sensitive (RFC 9110 §9.1): a lower-case `patch` or `delete` is not
/// PATCH or DELETE, whatever answers it (the worker's 405, or the runtime refusing it first),
/// and it changes nothing.
#[test]
fn lower_case_method_names_are_not_the_standard_methods() {
    let app = TestApp::new();
    let id = app.create_user_id("case.probe@example.com");
    let auth = app.auth();
    let patch = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Changed"}]
    })
    .to_string();
    for (method, body) in [
        ("patch", Some(patch.as_str())),
        ("delete", None),
        ("Put", None),
    ] {
        let reply = send(
            method,
            &app.url(&format!("/Users/{id}")),
            &[
                ("authorization", &auth),
                ("content-type", "application/scim+json"),
            ],
            body,
        );
        assert!(
            !(200..300).contains(&reply.status),
            "{method}: {} {}",
            reply.status,
            reply.text
        );
    }
    let user = app.get_ok(&format!("/Users/{id}"));
    assert!(user.get("displayName").is_none(), "{user}");
}
