//! Bearer-token authentication of SCIM requests (RFC 6750 §2.1 header form). Every failure
//! looks the same to the client — missing header, wrong scheme, unknown org, wrong token or
//! another org's token all answer the same 401 — so the answer never reveals whether an org
//! exists.

use crate::core::error::ScimError;
use crate::core::kv::KeyValue;
use crate::core::org::OrgName;
use crate::core::token::{kv_key, sha256_hex, TokenRecord};
use crate::core::token_cache::TokenCache;

/// Why a request was refused; for the log only, never for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    MissingHeader,
    NotBearer,
    NoTokenForOrg,
    WrongToken,
    CorruptRecord,
}

/// Extracts the token from `Authorization: Bearer <token>` (scheme case-insensitive).
pub fn bearer_token(header: Option<&str>) -> Result<&str, AuthFailure> {
    let header = header.ok_or(AuthFailure::MissingHeader)?.trim();
    let (scheme, token) = header.split_once(' ').ok_or(AuthFailure::NotBearer)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
        return Err(AuthFailure::NotBearer);
    }
    Ok(token)
}

/// Checks the request's token against the org's stored hash and returns the org's record
/// (which names its shard). A record verified less than 30 s ago in this isolate is taken from
/// `cache` without reading KV (see `token_cache` for the effect on revocation).
pub async fn authenticate(
    kv: &impl KeyValue,
    cache: Option<&TokenCache>,
    org: &OrgName,
    authorization: Option<&str>,
    now_ms: u64,
) -> Result<Result<TokenRecord, AuthFailure>, ScimError> {
    let token = match bearer_token(authorization) {
        Ok(token) => token,
        Err(failure) => return Ok(Err(failure)),
    };
    let presented_hash = sha256_hex(token);
    let cached = cache.and_then(|c| c.get(org.as_str(), &presented_hash, now_ms));
    // Checked again: a previous token's grace period may have ended since it was cached.
    if let Some(record) = cached.filter(|r| r.accepts(token, now_ms)) {
        return Ok(Ok(record));
    }
    let stored = kv
        .get(&kv_key(org.as_str()))
        .await
        .map_err(|_| ScimError::unavailable())?;
    let Some(stored) = stored else {
        return Ok(Err(AuthFailure::NoTokenForOrg));
    };
    let Ok(record) = serde_json::from_str::<TokenRecord>(&stored) else {
        return Ok(Err(AuthFailure::CorruptRecord));
    };
    Ok(if record.accepts(token, now_ms) {
        if let Some(cache) = cache {
            cache.put(org.as_str(), &presented_hash, &record, now_ms);
        }
        Ok(record)
    } else {
        Err(AuthFailure::WrongToken)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_forms() {
        assert_eq!(bearer_token(Some("Bearer abc")), Ok("abc"));
        assert_eq!(bearer_token(Some("bearer   abc ")), Ok("abc"));
        assert_eq!(bearer_token(None), Err(AuthFailure::MissingHeader));
        assert_eq!(bearer_token(Some("Basic abc")), Err(AuthFailure::NotBearer));
        assert_eq!(bearer_token(Some("Bearer")), Err(AuthFailure::NotBearer));
        assert_eq!(
            bearer_token(Some("Bearer a b")),
            Err(AuthFailure::NotBearer)
        );
        assert_eq!(bearer_token(Some("abc")), Err(AuthFailure::NotBearer));
    }
}
