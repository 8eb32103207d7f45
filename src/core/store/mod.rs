//! SQL for the directory: statement builders and row decoding for users and groups. Every
//! statement binds the org and names it in its WHERE clause or key, so no statement can reach
//! another org's rows. Nothing here runs SQL; the service sends these statements through
//! `Database::batch`, one round trip per batch.

pub mod counts;
pub mod events;
pub mod groups;
pub mod purge;
pub mod rows;
pub mod users;
pub mod webhooks;

use crate::core::error::ScimError;

/// What an update batch found, from its last statement (`version` of the row now, and the
/// `holder` of the new unique name if another resource has it). Shared by users and groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    Applied,
    /// The row's version was not the one read: someone else wrote first.
    VersionConflict,
    /// Another resource of the org already has the new unique name (userName, displayName).
    NameTaken,
    /// The resource no longer exists.
    Gone,
}

pub fn update_outcome(row: Option<&crate::core::db::Row>, new_version: i64) -> UpdateOutcome {
    let version = row.and_then(|r| rows::int(r, "version"));
    let holder = row.and_then(|r| rows::text(r, "holder"));
    match version {
        None => UpdateOutcome::Gone,
        Some(v) if v == new_version => UpdateOutcome::Applied,
        Some(_) if holder.is_some() => UpdateOutcome::NameTaken,
        Some(_) => UpdateOutcome::VersionConflict,
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
