//! Discovery documents (RFC 7644 §4).

use crate::helpers::TestApp;

#[test]
fn service_provider_config_describes_the_server() {
    let app = TestApp::new();
    let reply = app.get("/ServiceProviderConfig");
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    );
    assert_eq!(body["bulk"]["supported"], true);
    assert_eq!(body["bulk"]["maxOperations"], 2000);
    assert_eq!(body["bulk"]["maxPayloadSize"], 4 * 1024 * 1024);
    assert_eq!(body["changePassword"]["supported"], false);
    assert_eq!(body["authenticationSchemes"][0]["type"], "oauthbearertoken");
    let location = body["meta"]["location"].as_str().unwrap();
    assert_eq!(location, app.url("/ServiceProviderConfig"));
}
