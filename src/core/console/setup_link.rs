//! Setup links: `/setup/{link}` gives a customer's IT admin one org's setup page (tenant URL,
//! token generation, IdP walkthroughs, recent activity) for 1 to 168 hours. The link is 256
//! random bits; the server stores only its SHA-256 (table `setup_links`) and the org it is
//! bound to, so a link can never reach another org. A link is listed and revoked by its `id`:
//! the first 16 hex digits of the stored hash, which reveals nothing of the link itself.
//! The rows are `store::setup_links`'s.

use super::opaque::storage_hash;
use crate::core::error::ScimError;
use serde_json::Value;

pub const MIN_HOURS: u64 = 1;
pub const MAX_HOURS: u64 = 168;
const PURPOSE: &str = "setup-link";
/// Length of a link's public id (hex digits of its hash).
pub const ID_LEN: usize = 16;

pub fn link_hash(link: &str) -> String {
    storage_hash(PURPOSE, link)
}

/// The public id of a link (what the console lists and revokes).
pub fn link_id(hash: &str) -> &str {
    &hash[..ID_LEN.min(hash.len())]
}

/// `{"hours": N}` with N a whole number from 1 to 168.
pub fn parse_hours(body: &Value) -> Result<u64, ScimError> {
    let Value::Object(map) = body else {
        return Err(ScimError::invalid_syntax(
            "The request body must be a JSON object such as {\"hours\": 24}.",
        ));
    };
    if let Some(unknown) = map.keys().find(|k| k.as_str() != "hours") {
        return Err(ScimError::invalid_value(format!(
            "Unknown member '{unknown}': the only member of this body is hours."
        )));
    }
    map.get("hours")
        .and_then(Value::as_u64)
        .filter(|h| (MIN_HOURS..=MAX_HOURS).contains(h))
        .ok_or_else(|| {
            ScimError::invalid_value(format!(
                "hours must be a whole number from {MIN_HOURS} to {MAX_HOURS}."
            ))
        })
}

/// True when `id` looks like a link id (16 lowercase hex digits).
pub fn valid_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hours_must_be_whole_and_in_range() {
        assert_eq!(parse_hours(&json!({"hours": 1})).unwrap(), 1);
        assert_eq!(parse_hours(&json!({"hours": 168})).unwrap(), 168);
        for bad in [
            json!({"hours": 0}),
            json!({"hours": 169}),
            json!({"hours": 1.5}),
            json!({"hours": "2"}),
            json!({}),
            json!({"hours": 2, "x": 1}),
            json!([1]),
        ] {
            assert_eq!(parse_hours(&bad).unwrap_err().status, 400, "{bad}");
        }
    }

    #[test]
    fn ids_are_hash_prefixes() {
        let hash = link_hash("some-link");
        assert!(valid_id(link_id(&hash)));
        assert!(!valid_id("XYZ"));
    }
}
