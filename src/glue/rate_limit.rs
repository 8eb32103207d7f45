//! `RateLimiter` over the Workers rate-limiting binding (`[[ratelimits]]` in wrangler.toml).
//! The binding answers only allowed/refused; the retry hint is its configured window.

use crate::core::rate_limit::{RateDecision, RateFuture, RateLimiter, RATE_LIMIT_PERIOD_SECS};
use worker::RateLimiter as Binding;

pub(crate) struct WorkersRateLimiter(pub Binding);

impl RateLimiter for WorkersRateLimiter {
    fn check<'a>(&'a self, key: &'a str) -> RateFuture<'a> {
        Box::pin(async move {
            let outcome = self
                .0
                .limit(key.to_owned())
                .await
                .map_err(|e| e.to_string())?;
            Ok(if outcome.success {
                RateDecision::Allow
            } else {
                RateDecision::Limited {
                    retry_after_secs: RATE_LIMIT_PERIOD_SECS,
                }
            })
        })
    }
}
