//! Opaque RFC 9865 cursors: base64url of a small JSON document naming the keyset position
//! (sort key and id of the row to continue from), the direction, a hash of the query it belongs
//! to, and when it was issued, followed by a checksum.
//!
//! The checksum detects corruption, not forgery: the core holds no secret. A forged cursor can
//! only move the position within the same organisation's query (every statement also filters
//! on `org`), so it grants nothing a client could not ask for with `startIndex`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::core::error::{ScimError, ScimResult, ScimType};

/// Seconds a cursor stays valid after it is issued (advertised as `cursorTimeout`,
/// RFC 9865 §4).
pub const CURSOR_TIMEOUT_SECS: u64 = 3600;

/// Longest cursor accepted, in characters; ours are well under 1 KiB.
const MAX_CURSOR_LEN: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Direction {
    /// Rows after the position (a `nextCursor`).
    #[serde(rename = "n")]
    Next,
    /// Rows before the position (a `previousCursor`).
    #[serde(rename = "p")]
    Previous,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CursorState {
    /// Format version.
    pub v: u8,
    /// Sort key of the position row; `null` when the row has no value for `sortBy` (such
    /// rows sort last ascending, first descending).
    pub k: Value,
    /// Id of the position row.
    pub i: String,
    pub d: Direction,
    /// Hash of resource type, org, filter, sortBy and sortOrder.
    pub q: String,
    /// Issued at, seconds since the epoch.
    pub t: u64,
}

/// A hash binding a cursor to the query it was issued for.
pub(crate) fn query_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex(&h.finalize()[..12])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn checksum(payload: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(payload)[..6])
}

pub(crate) fn encode(state: &CursorState) -> String {
    let payload = serde_json::to_vec(state).unwrap_or_default();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        checksum(&payload)
    )
}

fn invalid(detail: &str) -> ScimError {
    // RFC 9865 §2.3: "invalidCursor".
    ScimError::bad_request(
        ScimType::InvalidCursor,
        format!("The cursor is not valid for this request: {detail}. Start again without a cursor or with an empty one."),
    )
}

/// Decodes and checks a client's cursor against the current query hash and clock.
pub(crate) fn decode(cursor: &str, expected_query: &str, now_secs: u64) -> ScimResult<CursorState> {
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(invalid("it is too long"));
    }
    let (body, sum) = cursor
        .split_once('.')
        .ok_or_else(|| invalid("it is malformed"))?;
    let payload = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| invalid("it is malformed"))?;
    if checksum(&payload) != sum {
        return Err(invalid("it is corrupted"));
    }
    let state: CursorState =
        serde_json::from_slice(&payload).map_err(|_| invalid("it is malformed"))?;
    if state.v != 1 {
        return Err(invalid("it is from another version"));
    }
    if state.q != expected_query {
        return Err(invalid(
            "it was issued for a different filter, sort or resource type",
        ));
    }
    if state.t > now_secs.saturating_add(300) {
        return Err(invalid("it was issued in the future"));
    }
    if now_secs.saturating_sub(state.t) > CURSOR_TIMEOUT_SECS {
        // RFC 9865 §2.3: "expiredCursor".
        return Err(ScimError::bad_request(
            ScimType::ExpiredCursor,
            format!("The cursor has expired (cursors are valid for {CURSOR_TIMEOUT_SECS} seconds). Start again without a cursor."),
        ));
    }
    if !matches!(state.k, Value::String(_) | Value::Number(_) | Value::Null) {
        return Err(invalid("it is malformed"));
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> CursorState {
        CursorState {
            v: 1,
            k: Value::String("2024-01-01T00:00:00.000Z".into()),
            i: "u1".into(),
            d: Direction::Next,
            q: query_hash(&["User", "acme", "", "", "a"]),
            t: 1_000_000,
        }
    }

    #[test]
    fn round_trips_within_the_timeout() {
        let c = encode(&state());
        assert!(c
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
        let back = decode(&c, &state().q, 1_000_000 + CURSOR_TIMEOUT_SECS).unwrap();
        assert_eq!(back, state());
    }

    #[test]
    fn expired_garbage_tampered_and_mismatched_cursors_are_rejected() {
        let c = encode(&state());
        let q = state().q;
        let e = decode(&c, &q, 1_000_000 + CURSOR_TIMEOUT_SECS + 1).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::ExpiredCursor));
        let mut tampered = c.clone().into_bytes();
        tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        for bad in ["garbage", "", "a.b", &tampered, &"x".repeat(5000)] {
            let e = decode(bad, &q, 1_000_000).unwrap_err();
            assert_eq!(
                (e.status, e.scim_type),
                (400, Some(ScimType::InvalidCursor)),
                "{bad}"
            );
        }
        let other = query_hash(&["User", "acme", "userName pr", "", "a"]);
        let e = decode(&c, &other, 1_000_000).unwrap_err();
        assert!(e.detail.contains("different filter"));
    }
}
