//! Organisation names: the `{org}` segment of the tenant URL, parsed before any storage access.

use std::fmt;

/// Allowed form: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}` — an org's login name. Anything else is
/// answered with a SCIM 404 before KV or D1 is touched. Names are case-sensitive, as login
/// names are; `acme` and `Acme` are different orgs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgName(String);

pub const MAX_ORG_NAME_LEN: usize = 64;

impl OrgName {
    pub fn parse(raw: &str) -> Option<OrgName> {
        let bytes = raw.as_bytes();
        let first_ok = bytes.first().is_some_and(|b| b.is_ascii_alphanumeric());
        let rest_ok = bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        (first_ok && rest_ok && bytes.len() <= MAX_ORG_NAME_LEN).then(|| OrgName(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::OrgName;

    #[test]
    fn accepts_login_names() {
        for ok in ["acme", "a", "Acme-Corp_2.eu", &"x".repeat(64)] {
            assert!(OrgName::parse(ok).is_some(), "{ok}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "-acme",
            ".acme",
            "ac me",
            "acme/x",
            "ac%20me",
            "acmé",
            &"x".repeat(65),
            "..",
            "_a",
        ] {
            assert!(OrgName::parse(bad).is_none(), "{bad}");
        }
    }
}
