//! Verified token records, remembered in isolate memory so a busy org's requests skip the KV
//! read. Keyed by the SHA-256 of the presented token (the token itself is never kept), each
//! entry lives at most `TOKEN_CACHE_TTL_MS` and the cache holds at most `TOKEN_CACHE_CAPACITY`
//! entries.
//!
//! Effect on revocation: KV already lets a location serve a read for its 30 s `cacheTtl`, so a
//! revoked or rotated token could be accepted for up to 30 s before; with this cache, an
//! isolate that verified the token just before the revocation keeps accepting it for up to
//! another 30 s (at most 60 s in all). An admin request forgets the org's entries in the
//! isolate that serves it, but other isolates only learn by expiry.

use crate::core::token::TokenRecord;
use std::cell::RefCell;
use std::collections::HashMap;

/// How long a verified record is trusted without reading KV again.
pub const TOKEN_CACHE_TTL_MS: u64 = 30_000;
/// Entries per isolate: far more orgs than one isolate serves at once, a few hundred KiB.
pub const TOKEN_CACHE_CAPACITY: usize = 1_024;

struct Entry {
    org: String,
    record: TokenRecord,
    expires_ms: u64,
}

#[derive(Default)]
pub struct TokenCache {
    entries: RefCell<HashMap<String, Entry>>,
}

impl TokenCache {
    pub fn new() -> TokenCache {
        TokenCache::default()
    }

    /// The record verified for `token_sha256` on `org`, while fresh.
    pub fn get(&self, org: &str, token_sha256: &str, now_ms: u64) -> Option<TokenRecord> {
        let entries = self.entries.borrow();
        let entry = entries.get(token_sha256)?;
        (entry.org == org && now_ms < entry.expires_ms).then(|| entry.record.clone())
    }

    /// Remembers a record that just accepted the token. When full, expired entries go first,
    /// then the one closest to expiry.
    pub fn put(&self, org: &str, token_sha256: &str, record: &TokenRecord, now_ms: u64) {
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= TOKEN_CACHE_CAPACITY && !entries.contains_key(token_sha256) {
            entries.retain(|_, e| now_ms < e.expires_ms);
            if entries.len() >= TOKEN_CACHE_CAPACITY {
                if let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.expires_ms)
                    .map(|(k, _)| k.clone())
                {
                    entries.remove(&oldest);
                }
            }
        }
        entries.insert(
            token_sha256.to_owned(),
            Entry {
                org: org.to_owned(),
                record: record.clone(),
                expires_ms: now_ms + TOKEN_CACHE_TTL_MS,
            },
        );
    }

    /// Drops every entry of `org` (after an admin change to its record in this isolate).
    pub fn forget(&self, org: &str) {
        self.entries.borrow_mut().retain(|_, e| e.org != org);
    }

    pub fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::NewToken;

    fn record(n: u8) -> TokenRecord {
        NewToken::from_random_bytes([n; 32]).record("t")
    }

    #[test]
    fn entries_expire_and_belong_to_their_org() {
        let cache = TokenCache::new();
        cache.put("acme", "h1", &record(1), 1_000);
        assert!(cache
            .get("acme", "h1", 1_000 + TOKEN_CACHE_TTL_MS - 1)
            .is_some());
        assert!(cache
            .get("acme", "h1", 1_000 + TOKEN_CACHE_TTL_MS)
            .is_none());
        assert!(cache.get("other", "h1", 1_000).is_none());
        assert!(cache.get("acme", "h2", 1_000).is_none());
        cache.forget("acme");
        assert!(cache.get("acme", "h1", 1_000).is_none());
    }

    #[test]
    fn size_is_bounded() {
        let cache = TokenCache::new();
        for i in 0..(TOKEN_CACHE_CAPACITY + 50) {
            cache.put("acme", &format!("h{i}"), &record(1), i as u64);
        }
        assert_eq!(cache.len(), TOKEN_CACHE_CAPACITY);
        // The newest are kept, the earliest to expire went.
        assert!(cache
            .get("acme", &format!("h{}", TOKEN_CACHE_CAPACITY + 49), 2_000)
            .is_some());
        assert!(cache.get("acme", "h0", 10).is_none());
    }
}
