//! Per-org request rate limiting: the decision the core takes and the small trait the runtime
//! implements (the Workers rate-limiting binding in the glue, test doubles natively).
//!
//! The check runs once the org name is known to be valid and before authentication or any
//! storage access, so a flood of requests at one tenant URL costs neither KV nor D1 reads.

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
        pub seen: RefCell<Vec<String>>,
    }

    impl CountingLimiter {
        pub(crate) fn new(allowed: usize) -> Self {
            CountingLimiter {
                allowed,
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
                    retry_after_secs: RATE_LIMIT_PERIOD_SECS,
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

    /// The constants the core answers with must be the ones the binding is configured with.
    #[test]
    fn constants_match_the_wrangler_binding() {
        let toml = include_str!("../../wrangler.toml");
        let section = toml
            .split("[[ratelimits]]")
            .nth(1)
            .expect("wrangler.toml has a [[ratelimits]] binding");
        let compact: String = section.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(compact.contains("name=\"RATE_LIMITER\""), "{section}");
        assert!(
            compact.contains(&format!("limit={RATE_LIMIT_PER_PERIOD}")),
            "{section}"
        );
        assert!(
            compact.contains(&format!("period={RATE_LIMIT_PERIOD_SECS}")),
            "{section}"
        );
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
