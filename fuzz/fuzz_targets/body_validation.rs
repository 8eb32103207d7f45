//! Request-body reading and validation on arbitrary bytes: `core::json::parse_strict`, then
//! `parse_user_body` and `parse_group_body`. Invariants: no panic; strict parsing agrees with
//! serde_json whenever it accepts; every refusal is a SCIM 400; validation is idempotent (the
//! stored document re-validates to itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_edge::core::json::parse_strict;
use scim_edge::core::resource::{parse_group_body, parse_user_body};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let value = match parse_strict(text) {
        Ok(value) => value,
        Err(e) => {
            assert_eq!(e.status, 400, "{e}");
            return;
        }
    };
    let plain: Value = serde_json::from_str(text).expect("strict JSON is JSON");
    assert_eq!(plain, value, "strict parsing changed the value");
    match parse_user_body(&value) {
        Ok(user) => {
            let again = parse_user_body(&user.doc)
                .unwrap_or_else(|e| panic!("stored user refused on re-read: {e}"));
            assert_eq!(again.doc, user.doc, "user validation not idempotent");
        }
        Err(e) => assert_eq!(e.status, 400, "{e}"),
    }
    match parse_group_body(&value) {
        Ok(group) => {
            let again = parse_group_body(&group.doc)
                .unwrap_or_else(|e| panic!("stored group refused on re-read: {e}"));
            assert_eq!(again.doc, group.doc, "group validation not idempotent");
        }
        Err(e) => assert_eq!(e.status, 400, "{e}"),
    }
});
