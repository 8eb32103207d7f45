//! Console sessions. Signing in with the admin secret opens a session: a random id (256 bits)
//! sent as an `HttpOnly; Secure; SameSite=Strict` cookie scoped to `/admin`, of which the
//! server keeps only the SHA-256 (table `console_sessions`), with an expiry 12 hours on. The
//! row also keeps a tag of the admin secret the session was opened with, so changing
//! `ADMIN_SECRET` ends every session. Signing out deletes the row (`store::console_sessions`).
//!
//! State-changing console calls also carry `X-Console-CSRF`, a value derived from the session
//! id (which page script cannot read: the cookie is HttpOnly) and handed to the page by
//! `GET /admin/session`. A cross-site form can send neither a custom header nor, with
//! `SameSite=Strict`, the cookie.

use super::opaque::{storage_hash, well_formed};
use crate::core::token::sha256_hex;
use subtle::ConstantTimeEq;

pub const COOKIE_NAME: &str = "scim_console";
/// The header state-changing console calls carry.
pub const CSRF_HEADER: &str = "x-console-csrf";
/// Sessions last 12 hours; signing in again opens a new one.
pub const SESSION_SECONDS: u64 = 12 * 3600;
const PURPOSE: &str = "console-session";

/// `Set-Cookie` for a new session. `Secure` is set on every origin: browsers accept it on
/// `http://127.0.0.1` and `http://localhost` (secure contexts), which is what `make dev` serves.
pub fn set_cookie(session_id: &str) -> String {
    format!(
        "{COOKIE_NAME}={session_id}; Path=/admin; Max-Age={SESSION_SECONDS}; HttpOnly; Secure; SameSite=Strict"
    )
}

/// `Set-Cookie` that removes the session cookie (sign-out, or a stale cookie).
pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; Path=/admin; Max-Age=0; HttpOnly; Secure; SameSite=Strict")
}

/// The session id from a `Cookie` header, when it is present and well formed.
pub fn session_from_cookie(cookie_header: Option<&str>) -> Option<&str> {
    cookie_header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim())
        .filter(|value| well_formed(value))
}

/// The CSRF value of a session: a hash of the session id, so it needs no storage and is
/// useless without the session cookie it belongs to.
pub fn csrf_token(session_id: &str) -> String {
    sha256_hex(&format!("console-csrf:{session_id}"))
}

/// Compares a presented CSRF header with the session's value in constant time.
pub fn csrf_matches(session_id: &str, presented: Option<&str>) -> bool {
    let expected = csrf_token(session_id);
    presented.is_some_and(|p| bool::from(p.trim().as_bytes().ct_eq(expected.as_bytes())))
}

/// A tag of the admin secret: sessions opened under another secret do not count.
pub fn secret_tag(admin_secret: &str) -> String {
    sha256_hex(&format!("console-secret-tag:{admin_secret}"))
}

/// What is stored of a session id (table `console_sessions`, see `store::console_sessions`).
pub fn session_hash(session_id: &str) -> String {
    storage_hash(PURPOSE, session_id)
}

/// When a session opened at `now_ms` ends.
pub fn expires_ms(now_ms: u64) -> u64 {
    now_ms + SESSION_SECONDS * 1000
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::console::opaque::generate;

    #[test]
    fn the_cookie_is_http_only_secure_strict_and_scoped() {
        let cookie = set_cookie("abc");
        for part in [
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
            "Path=/admin",
            "Max-Age=43200",
        ] {
            assert!(cookie.contains(part), "{part}");
        }
        assert!(clear_cookie().contains("Max-Age=0"));
    }

    #[test]
    fn reads_only_a_well_formed_session_cookie() {
        let id = generate().unwrap();
        let header = format!("other=1; {COOKIE_NAME}={id}; x=y");
        assert_eq!(session_from_cookie(Some(&header)), Some(id.as_str()));
        assert_eq!(session_from_cookie(Some("scim_console=short")), None);
        assert_eq!(session_from_cookie(Some("scim_consolex=1")), None);
        assert_eq!(session_from_cookie(None), None);
    }

    #[test]
    fn csrf_values_belong_to_their_session() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert!(csrf_matches(&a, Some(&csrf_token(&a))));
        assert!(!csrf_matches(&a, Some(&csrf_token(&b))));
        assert!(!csrf_matches(&a, None));
        assert!(!csrf_matches(&a, Some("")));
    }
}
