//! Setup links: `/setup/{link}` gives a customer's IT admin one org's setup page (tenant URL,
//! token generation, IdP walkthroughs, recent activity) for 1 to 168 hours. The link is 256
//! random bits; the server stores only its SHA-256 (table `setup_links`) and the org it is
//! bound to, so a link can never reach another org. A link is listed and revoked by its `id`:
//! the first 16 hex digits of the stored hash, which reveals nothing of the link itself.

use super::opaque::storage_hash;
use crate::core::db::{Row, Statement};
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

/// Inserts the link when the org is registered; the row it returns says it was.
pub fn insert(org: &str, hash: &str, now_ms: u64, expires_ms: u64) -> Statement {
    Statement::new(
        "INSERT INTO setup_links (link_hash, org, created_ms, expires_ms, revoked) \
         SELECT ?1, ?2, ?3, ?4, 0 WHERE EXISTS (SELECT 1 FROM orgs WHERE org = ?2) \
         RETURNING org",
        vec![
            hash.into(),
            org.into(),
            (now_ms as i64).into(),
            (expires_ms as i64).into(),
        ],
    )
}

/// The link's row, whatever its state (the page tells expired from revoked from unknown).
pub fn lookup(hash: &str) -> Statement {
    Statement::new(
        "SELECT org, expires_ms, revoked FROM setup_links WHERE link_hash = ?1",
        vec![hash.into()],
    )
}

/// What a looked-up link allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    Valid { org: String, expires_ms: u64 },
    Expired,
    Revoked,
    Unknown,
}

pub fn state(row: Option<&Row>, now_ms: u64) -> LinkState {
    let Some(row) = row else {
        return LinkState::Unknown;
    };
    let org = row.get("org").and_then(Value::as_str).unwrap_or_default();
    let expires_ms = row.get("expires_ms").and_then(Value::as_u64).unwrap_or(0);
    let revoked = row.get("revoked").and_then(Value::as_i64).unwrap_or(1) != 0;
    if revoked {
        LinkState::Revoked
    } else if expires_ms <= now_ms {
        LinkState::Expired
    } else {
        LinkState::Valid {
            org: org.to_owned(),
            expires_ms,
        }
    }
}

/// The org's links that have not expired (newest first), at most 100.
pub fn list(org: &str, now_ms: u64) -> Statement {
    Statement::new(
        "SELECT link_hash, created_ms, expires_ms, revoked FROM setup_links \
         WHERE org = ?1 AND expires_ms > ?2 ORDER BY created_ms DESC LIMIT 100",
        vec![org.into(), (now_ms as i64).into()],
    )
}

/// Revokes the org's link whose id is `id` (the prefix of its hash).
pub fn revoke(org: &str, id: &str) -> Statement {
    Statement::new(
        "UPDATE setup_links SET revoked = 1 WHERE org = ?1 AND substr(link_hash, 1, 16) = ?2 \
         RETURNING link_hash",
        vec![org.into(), id.into()],
    )
}

/// Every link of an org (org deletion).
pub fn delete_for_org(org: &str) -> Statement {
    Statement::new("DELETE FROM setup_links WHERE org = ?1", vec![org.into()])
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
    fn link_state_tells_expired_revoked_and_unknown_apart() {
        let row = |expires: u64, revoked: i64| {
            json!({"org": "acme", "expires_ms": expires, "revoked": revoked})
                .as_object()
                .unwrap()
                .clone()
        };
        assert_eq!(
            state(Some(&row(2000, 0)), 1000),
            LinkState::Valid {
                org: "acme".into(),
                expires_ms: 2000
            }
        );
        assert_eq!(state(Some(&row(1000, 0)), 1000), LinkState::Expired);
        assert_eq!(state(Some(&row(2000, 1)), 1000), LinkState::Revoked);
        assert_eq!(state(None, 1000), LinkState::Unknown);
    }

    #[test]
    fn ids_are_hash_prefixes() {
        let hash = link_hash("some-link");
        assert!(valid_id(link_id(&hash)));
        assert!(!valid_id("XYZ"));
    }
}
