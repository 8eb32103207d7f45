//! SCIM bearer tokens: format, hashing and verification. Only the SHA-256 hash of a token is
//! ever stored (in KV, as a `TokenRecord`); the token itself is shown once when generated.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Tokens start with this prefix so secret scanners can recognise a leaked one.
pub const TOKEN_PREFIX: &str = "scim_";
/// 256 bits of randomness per token.
pub const TOKEN_RANDOM_BYTES: usize = 32;

/// A freshly generated token. It is never logged or stored; `Debug` hides it.
pub struct NewToken(String);

impl NewToken {
    /// Builds a token from 32 bytes of OS randomness (`getrandom`).
    pub fn generate() -> Result<NewToken, getrandom::Error> {
        let mut bytes = [0u8; TOKEN_RANDOM_BYTES];
        getrandom::getrandom(&mut bytes)?;
        Ok(Self::from_random_bytes(bytes))
    }

    pub fn from_random_bytes(bytes: [u8; TOKEN_RANDOM_BYTES]) -> NewToken {
        NewToken(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The record stored for this token: its hash, when it was made, its last four characters.
    pub fn record(&self, created: &str) -> TokenRecord {
        let last4 = self.0[self.0.len().saturating_sub(4)..].to_owned();
        TokenRecord {
            sha256: sha256_hex(&self.0),
            created: created.to_owned(),
            last4,
            previous: None,
            shard: None,
            moved_from: None,
        }
    }
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewToken(<redacted>)")
    }
}

/// A token hash that may still be accepted until `expires_ms` (a rotation grace period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraceToken {
    pub sha256: String,
    pub expires_ms: u64,
}

/// What KV holds for an org (key `org:{name}`): hashes and metadata only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub sha256: String,
    pub created: String,
    pub last4: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<GraceToken>,
    /// The shard (`core::shard`) holding the org's data; `None` is the control shard (records
    /// written before shards existed). Read with the token on every request: no extra lookup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Set by a move after the record flipped to the new shard and until the old copy is
    /// purged: the shard that still holds leftovers (see `service::shards`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
}

impl TokenRecord {
    /// True when `presented` hashes to the current token, or to the previous one while its
    /// grace period lasts. Hash comparisons run in constant time.
    pub fn accepts(&self, presented: &str, now_ms: u64) -> bool {
        let presented_hash = sha256_hex(presented);
        let current = ct_eq(&presented_hash, &self.sha256);
        let previous = self
            .previous
            .as_ref()
            .is_some_and(|p| now_ms < p.expires_ms && ct_eq(&presented_hash, &p.sha256));
        current | previous
    }
}

/// The KV key of an org's token record.
pub fn kv_key(org: &str) -> String {
    format!("org:{org}")
}

pub fn sha256_hex(input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_has_prefix_and_256_bits() {
        let token = NewToken::from_random_bytes([7u8; 32]);
        assert!(token.expose().starts_with("scim_"));
        // 32 bytes in unpadded base64url are 43 characters.
        assert_eq!(token.expose().len(), 5 + 43);
    }

    #[test]
    fn generated_tokens_differ() {
        let a = NewToken::generate().expect("rng");
        let b = NewToken::generate().expect("rng");
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn record_accepts_only_its_token() {
        let token = NewToken::from_random_bytes([1u8; 32]);
        let record = token.record("2026-11-28T00:00:00.000Z");
        assert!(record.accepts(token.expose(), 0));
        assert!(!record.accepts("scim_other", 0));
        assert!(!record.accepts("", 0));
        assert_eq!(record.last4, &token.expose()[token.expose().len() - 4..]);
        assert!(!serde_json::to_string(&record)
            .unwrap()
            .contains(token.expose()));
    }

    #[test]
    fn previous_token_is_accepted_only_during_grace() {
        let old = NewToken::from_random_bytes([1u8; 32]);
        let new = NewToken::from_random_bytes([2u8; 32]);
        let mut record = new.record("t");
        record.previous = Some(GraceToken {
            sha256: sha256_hex(old.expose()),
            expires_ms: 1_000,
        });
        assert!(record.accepts(old.expose(), 999));
        assert!(!record.accepts(old.expose(), 1_000));
        assert!(record.accepts(new.expose(), 5_000));
    }

    #[test]
    fn debug_never_shows_the_token() {
        let token = NewToken::from_random_bytes([3u8; 32]);
        assert!(!format!("{token:?}").contains(token.expose()));
    }
}
