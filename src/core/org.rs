//! Organisation names: the `{org}` segment of the tenant URL, parsed before any storage access.

use std::fmt;

/// Allowed form: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}` — an org's login name — other than a
/// reserved SCIM endpoint name (`RESERVED_ORG_NAMES`). Anything else is
/// answered with a SCIM 404 before KV or D1 is touched. Names are case-sensitive, as login
/// names are; `acme` and `Acme` are different orgs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgName(String);

pub const MAX_ORG_NAME_LEN: usize = 64;

/// Names that cannot be orgs because they are SCIM endpoints (RFC 7644 §3.2), compared without
/// case as the router compares endpoint names. A tenant URL missing its org, such as
/// `/scim/v2/Users`, is then recognised as exactly that instead of as an org called `Users`.
pub const RESERVED_ORG_NAMES: [&str; 7] = [
    "Users",
    "Groups",
    "ServiceProviderConfig",
    "ResourceTypes",
    "Schemas",
    "Bulk",
    "Me",
];

/// Whether `raw` is a SCIM endpoint name rather than a possible org (see `RESERVED_ORG_NAMES`).
pub fn is_reserved(raw: &str) -> bool {
    RESERVED_ORG_NAMES
        .iter()
        .any(|name| name.eq_ignore_ascii_case(raw))
}

impl OrgName {
    pub fn parse(raw: &str) -> Option<OrgName> {
        let bytes = raw.as_bytes();
        let first_ok = bytes.first().is_some_and(|b| b.is_ascii_alphanumeric());
        let rest_ok = bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        (first_ok && rest_ok && bytes.len() <= MAX_ORG_NAME_LEN && !is_reserved(raw))
            .then(|| OrgName(raw.to_owned()))
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
            "Users",
            "groups",
            "ServiceProviderConfig",
            "me",
        ] {
            assert!(OrgName::parse(bad).is_none(), "{bad}");
        }
    }
}
