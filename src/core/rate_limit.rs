//! Request rate limiting: the decisions the core takes and the small trait the runtime
//! implements (the Workers rate-limiting bindings in the glue, test doubles natively).
//!
//! Two budgets. Authenticated requests count against their org (`org:{org}`), after the token
//! check, so nobody without the token can spend an org's budget. Failed authentications count
//! against the caller (`caller:{address}`, from `CF-Connecting-IP`) with a much tighter budget;
//! a caller over it is remembered by the isolate (`RefusedCallers`) and refused before the KV
//! token lookup, so a flood of bad tokens neither reaches KV unbounded nor touches the org.

use crate::core::error::ScimError;
use std::future::Future;
use std::pin::Pin;

/// The window of the `RATE_LIMITER` binding in `wrangler.toml` (`simple.period`, 10 or 60).
/// A refused request is told to retry after one window: the platform's counters are fixed
/// windows, so by then the org's budget has been renewed.
pub const RATE_LIMIT_PERIOD_SECS: u32 = 10;
/// Requests per org per window in `wrangler.toml` (`simple.limit`): 60 per second, well above
/// Entra ID's documented 25 requests per second per tenant.
pub const RATE_LIMIT_PER_PERIOD: u32 = 600;

/// The window of the `AUTH_FAILURE_LIMITER` binding in `wrangler.toml`.
pub const AUTH_FAILURE_PERIOD_SECS: u32 = 60;
/// Failed authentications per caller per window in `wrangler.toml`: an IdP with a wrong token
/// fails a few times per sync cycle, far below; a token-guessing flood meets it at once.
pub const AUTH_FAILURE_LIMIT_PER_PERIOD: u32 = 30;

/// What the limiter says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    Allow,
    /// Over the limit: answer 429 with `Retry-After: retry_after_secs`.
    Limited {
        retry_after_secs: u32,
    },
}

/// The boxed future a limiter returns (not `Send`: JS futures are not).
pub type RateFuture<'a> = Pin<Box<dyn Future<Output = Result<RateDecision, String>> + 'a>>;

/// Counts one request against the budget of `key`. An `Err` (the platform failed to answer)
/// is logged and the request allowed: the limiter protects the service, and an outage of the
/// limiter must not become an outage of provisioning.
pub trait RateLimiter {
    fn check<'a>(&'a self, key: &'a str) -> RateFuture<'a>;
}

/// The limiter key of an org. Only the (validated) org name: never the token or a header a
/// client could vary to get a fresh budget.
pub fn org_key(org: &str) -> String {
    format!("org:{org}")
}

/// The limiter key of a caller: the client address Cloudflare puts in `CF-Connecting-IP`
/// (set by the edge, not by the client). Anything that is not an address-shaped value of
/// reasonable length (absent, a test client's junk) shares one key, `caller:unknown`, so
/// varying the header cannot mint fresh budgets.
pub fn caller_key(connecting_ip: Option<&str>) -> String {
    let address = connecting_ip.map(str::trim).filter(|ip| {
        !ip.is_empty()
            && ip.len() <= 45
            && ip
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == '.' || c == ':')
    });
    format!(
        "caller:{}",
        address.unwrap_or("unknown").to_ascii_lowercase()
    )
}

/// RFC 6585 §4: 429 for a caller over its failed-authentication budget.
pub fn too_many_failed_authentications(retry_after_secs: u32) -> ScimError {
    ScimError::new(
        429,
        None,
        format!(
            "Too many failed authentications from this address; retry after {retry_after_secs} seconds."
        ),
    )
}

/// RFC 6585 §4: 429 Too Many Requests, with the SCIM error body of RFC 7644 §3.12.
pub fn too_many_requests(retry_after_secs: u32) -> ScimError {
    ScimError::new(
        429,
        None,
        format!("Too many requests for this tenant; retry after {retry_after_secs} seconds."),
    )
}

#[cfg(test)]
pub(crate) mod doubles {
    use super::*;
    use std::cell::RefCell;

    /// Allows `allowed` requests per key, then refuses; records every key it saw.
    pub(crate) struct CountingLimiter {
        pub allowed: usize,
        pub period_secs: u32,
        pub seen: RefCell<Vec<String>>,
    }

    impl CountingLimiter {
        pub(crate) fn new(allowed: usize) -> Self {
            Self::with_period(allowed, RATE_LIMIT_PERIOD_SECS)
        }

        pub(crate) fn with_period(allowed: usize, period_secs: u32) -> Self {
            CountingLimiter {
                allowed,
                period_secs,
                seen: RefCell::new(Vec::new()),
            }
        }
    }

    impl RateLimiter for CountingLimiter {
        fn check<'a>(&'a self, key: &'a str) -> RateFuture<'a> {
            let mut seen = self.seen.borrow_mut();
            seen.push(key.to_owned());
            let used = seen.iter().filter(|k| *k == key).count();
            let decision = if used > self.allowed {
                RateDecision::Limited {
                    retry_after_secs: self.period_secs,
                }
            } else {
                RateDecision::Allow
            };
            Box::pin(async move { Ok(decision) })
        }
    }

    /// A limiter whose platform call always fails.
    pub(crate) struct BrokenLimiter;

    impl RateLimiter for BrokenLimiter {
        fn check<'a>(&'a self, _key: &'a str) -> RateFuture<'a> {
            Box::pin(async { Err("binding threw: simulated".to_owned()) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `[[ratelimits]]` section of wrangler.toml binding `name`, whitespace removed.
    fn binding(name: &str) -> String {
        let toml = include_str!("../../wrangler.toml");
        toml.split("[[ratelimits]]")
            .skip(1)
            .map(|section| {
                // A section ends where the next table starts.
                let section = section.split("\n[").next().unwrap_or(section);
                section
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
            })
            .find(|section| section.contains(&format!("name=\"{name}\"")))
            .unwrap_or_else(|| panic!("wrangler.toml has no [[ratelimits]] binding {name}"))
    }

    /// The constants the core answers with must be the ones the bindings are configured with.
    #[test]
    fn constants_match_the_wrangler_bindings() {
        for (name, limit, period) in [
            (
                "RATE_LIMITER",
                RATE_LIMIT_PER_PERIOD,
                RATE_LIMIT_PERIOD_SECS,
            ),
            (
                "AUTH_FAILURE_LIMITER",
                AUTH_FAILURE_LIMIT_PER_PERIOD,
                AUTH_FAILURE_PERIOD_SECS,
            ),
        ] {
            let section = binding(name);
            assert!(section.contains(&format!("limit={limit}")), "{section}");
            assert!(section.contains(&format!("period={period}")), "{section}");
        }
        // The glue reads the bindings by these names.
        let glue = include_str!("../glue/entry.rs");
        assert!(glue.contains("\"RATE_LIMITER\""));
        assert!(glue.contains("\"AUTH_FAILURE_LIMITER\""));
        // Separate namespaces: the two budgets never share counters.
        let namespace = |s: &str| s.split("namespace_id=").nth(1).map(|r| r[..6].to_owned());
        assert_ne!(
            namespace(&binding("RATE_LIMITER")),
            namespace(&binding("AUTH_FAILURE_LIMITER"))
        );
    }

    #[test]
    fn failed_authentications_have_the_tighter_budget() {
        let per_minute = |limit: u32, period: u32| limit * 60 / period;
        assert!(
            per_minute(AUTH_FAILURE_LIMIT_PER_PERIOD, AUTH_FAILURE_PERIOD_SECS) * 10
                <= per_minute(RATE_LIMIT_PER_PERIOD, RATE_LIMIT_PERIOD_SECS)
        );
    }

    #[test]
    fn caller_keys_take_addresses_only() {
        assert_eq!(caller_key(Some("203.0.113.7")), "caller:203.0.113.7");
        assert_eq!(caller_key(Some(" 2001:DB8::1 ")), "caller:2001:db8::1");
        for junk in [
            None,
            Some(""),
            Some("evil key"),
            Some("x:1"),
            Some(&"1".repeat(46)[..]),
        ] {
            assert_eq!(caller_key(junk), "caller:unknown", "{junk:?}");
        }
    }

    #[test]
    fn the_429_body_is_a_scim_error() {
        let body = too_many_requests(10).to_json();
        assert_eq!(body["status"], "429");
        assert_eq!(
            body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
    }
}
