//! Bearer-token authentication of SCIM requests (RFC 6750 §2.1 header form). Every failure
//! looks the same to the client — missing header, wrong scheme, unknown org, wrong token or
//! another org's token all answer the same 401 — so the answer never reveals whether an org
//! exists.

use crate::core::error::ScimError;
use crate::core::kv::KeyValue;
use crate::core::org::OrgName;
use crate::core::token::{kv_key, TokenRecord};

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

/// Checks the request's token against the org's stored hash.
pub async fn authenticate(
    kv: &impl KeyValue,
    org: &OrgName,
    authorization: Option<&str>,
    now_ms: u64,
) -> Result<Result<(), AuthFailure>, ScimError> {
    let token = match bearer_token(authorization) {
        Ok(token) => token,
        Err(failure) => return Ok(Err(failure)),
    };
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
        Ok(())
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
