//! Opaque bearer secrets of the console: session ids and setup links. Each is 256 random bits
//! (base64url), handed to the browser once; the server stores only its SHA-256, so a copy of
//! the database opens nothing.

use crate::core::token::sha256_hex;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// 32 random bytes: twice the 128 bits the issue asks as a floor.
pub const OPAQUE_RANDOM_BYTES: usize = 32;
/// Length of the base64url (unpadded) text of `OPAQUE_RANDOM_BYTES`.
pub const OPAQUE_TEXT_LEN: usize = 43;

/// A new opaque secret from the OS random source (`getrandom`).
pub fn generate() -> Result<String, String> {
    let mut bytes = [0u8; OPAQUE_RANDOM_BYTES];
    getrandom::getrandom(&mut bytes).map_err(|e| format!("getrandom: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// True when `text` has the exact shape `generate` produces, so malformed values are refused
/// before any storage access.
pub fn well_formed(text: &str) -> bool {
    text.len() == OPAQUE_TEXT_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What is stored for a secret of the given purpose. The purpose is part of the hashed text, so
/// a session id can never be presented as a setup link or the other way round.
pub fn storage_hash(purpose: &str, secret: &str) -> String {
    sha256_hex(&format!("{purpose}:{secret}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_well_formed_and_distinct() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert!(well_formed(&a) && well_formed(&b));
        assert_ne!(a, b);
        assert!(!well_formed(&a[1..]));
        assert!(!well_formed(&format!("{}=", &a[1..])));
    }

    #[test]
    fn hashes_depend_on_the_purpose() {
        assert_ne!(storage_hash("session", "x"), storage_hash("setup", "x"));
        assert_eq!(storage_hash("session", "x").len(), 64);
    }
}
