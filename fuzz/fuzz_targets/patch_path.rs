//! The PATCH path parser (RFC 7644 §3.5.2 `PATH`) on arbitrary input: it never panics, what
//! parses prints to a canonical form that re-parses to the same path, and an operation using
//! the path against a real User and Group either applies or is refused with a SCIM 400.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_edge::core::filter::parse_patch_path;
use scim_edge::core::patch::{patch_group, patch_user};
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(path) = parse_patch_path(input) {
        let printed = path.to_string();
        let reparsed = parse_patch_path(&printed).expect("printed path must re-parse");
        assert_eq!(reparsed, path, "printed: {printed}");
        assert_eq!(reparsed.to_string(), printed);
    }
    let user = json!({"userName": "u1", "displayName": "U", "name": {"givenName": "A"},
        "emails": [{"value": "a@example.com", "type": "work", "primary": true},
                   {"value": "b@example.com", "type": "home"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "D"}});
    let group = json!({"displayName": "G"});
    for op in ["add", "replace", "remove"] {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": op, "path": input, "value": "v"}]});
        if let Err(e) = patch_user(&user, &body) {
            assert_eq!(e.status, 400, "{e}");
        }
        if let Err(e) = patch_group(&group, &body) {
            assert_eq!(e.status, 400, "{e}");
        }
    }
});
