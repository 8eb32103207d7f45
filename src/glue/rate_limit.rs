//! `RateLimiter` over the Workers rate-limiting binding (`[[ratelimits]]` in wrangler.toml).
//! The binding answers only allowed/refused; the retry hint is its configured window.

use crate::core::rate_limit::{RateDecision, RateFuture, RateLimiter};
use worker::RateLimiter as Binding;

/// A binding and its configured window (`simple.period`), the retry hint of a refusal.
pub(crate) struct WorkersRateLimiter {
    pub binding: Binding,
    pub period_secs: u32,
}

impl RateLimiter for WorkersRateLimiter {
    fn check<'a>(&'a self, key: &'a str) -> RateFuture<'a> {
        Box::pin(async move {
            let outcome = self
                .binding
                .limit(key.to_owned())
                .await
                .map_err(|e| e.to_string())?;
            Ok(if outcome.success {
                RateDecision::Allow
            } else {
                RateDecision::Limited {
                    retry_after_secs: self.period_secs,
                }
            })
        })
    }
}
