//! The store: every SQL statement of the directory, and the only code that reads results.
//! Each operation is a `Plan` (see `plan`): statements that run as one atomic batch (one D1
//! round trip) and the decoder that turns their results into a typed outcome (`Created`,
//! `Updated`, `Deleted`, `ListPage`, ...). Every statement binds the org and names it in its
//! WHERE clause or key, so no statement can reach another org's rows. The service runs plans
//! with `Ctx::run` and never sees SQL or result lists.

pub mod console_directory;
pub mod console_sessions;
pub mod counts;
pub mod events;
pub mod groups;
pub mod keyset_page;
pub mod list;
pub mod list_query;
pub mod member_events;
pub mod members;
pub mod org_lock;
pub mod org_registry;
pub mod org_rows;
pub mod plan;
pub mod precondition;
pub mod purge;
pub mod registry;
pub mod resource;
pub mod setup_links;
pub mod users;
pub mod webhooks;

use crate::core::clock::format_timestamp;
use crate::core::error::ScimError;

/// What every write stamps on the row it writes: the time and a fresh random version.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteStamp {
    pub now: String,
    pub version: i64,
}

impl WriteStamp {
    pub fn new(now_ms: u64) -> Result<WriteStamp, ScimError> {
        Ok(WriteStamp {
            now: format_timestamp(now_ms),
            version: new_version()?,
        })
    }
}

/// A fresh resource version: random, below 2^53 so D1 (JavaScript numbers) keeps it exact.
/// A random version (rather than a counter) lets a batch recognise its own write: a guard
/// `version = ?new` can only be true if this very request's UPDATE applied.
pub fn new_version() -> Result<i64, ScimError> {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|_| ScimError::internal())?;
    Ok((u64::from_le_bytes(bytes) >> 11).max(1) as i64)
}

/// A fresh resource id (RFC 7643 §3.1: unique, stable, never reassigned): a random UUID.
pub fn new_id() -> Result<String, ScimError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|_| ScimError::internal())?;
    Ok(uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string())
}

/// The weak ETag of a version (RFC 7644 §3.14; RFC 7232 §2.3).
pub fn etag(version: i64) -> String {
    format!("W/\"{version:x}\"")
}

/// Parses an ETag (weak or strong, quoted) back into a version; `None` if it is not one of ours.
pub fn version_from_etag(tag: &str) -> Option<i64> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let inner = tag.strip_prefix('"')?.strip_suffix('"')?;
    i64::from_str_radix(inner, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_round_trips() {
        let v = new_version().unwrap();
        assert!(v > 0 && v < (1i64 << 53));
        assert_eq!(version_from_etag(&etag(v)), Some(v));
        assert_eq!(version_from_etag("\"1f\""), Some(31));
        assert_eq!(version_from_etag("*"), None);
        assert_eq!(version_from_etag("W/\"zz\""), None);
    }

    #[test]
    fn ids_are_uuids() {
        let id = new_id().unwrap();
        assert_eq!(id.len(), 36);
        assert_ne!(id, new_id().unwrap());
    }
}

#[cfg(test)]
mod console_tests;
#[cfg(test)]
mod list_query_tests;
