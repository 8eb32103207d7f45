//! The isolate's memory of callers the failed-authentication limiter refused. The Workers
//! rate-limiting binding can only count (every call spends budget), so "is this caller over
//! its budget?" cannot be asked before the KV token lookup without counting good requests
//! too. Instead, once the limiter refuses a caller's failed attempt, the isolate remembers
//! the caller until the window ends and refuses it before any KV read. Each isolate learns
//! on its own, so a flooding caller costs at most one KV read per isolate per window.
//!
//! Bounded: at most `MAX_CALLERS` entries; expired ones go first, then the soonest to expire.

use std::cell::RefCell;
use std::collections::HashMap;

/// Entries an isolate keeps; a flood from more addresses than this only costs KV reads.
pub const MAX_CALLERS: usize = 4096;

#[derive(Debug, Default)]
pub struct RefusedCallers {
    until_ms: RefCell<HashMap<String, u64>>,
}

impl RefusedCallers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Seconds (rounded up, at least 1) `key` stays refused at `now_ms`, or `None`.
    pub fn refused_for(&self, key: &str, now_ms: u64) -> Option<u32> {
        let mut until = self.until_ms.borrow_mut();
        match until.get(key) {
            Some(&end) if end > now_ms => {
                let secs = (end - now_ms).div_ceil(1000).max(1);
                Some(u32::try_from(secs).unwrap_or(u32::MAX))
            }
            Some(_) => {
                until.remove(key);
                None
            }
            None => None,
        }
    }

    /// Remembers `key` as refused until `until_ms`.
    pub fn refuse(&self, key: &str, until_ms: u64, now_ms: u64) {
        let mut until = self.until_ms.borrow_mut();
        if until.len() >= MAX_CALLERS && !until.contains_key(key) {
            until.retain(|_, end| *end > now_ms);
            if until.len() >= MAX_CALLERS {
                if let Some(soonest) = until
                    .iter()
                    .min_by_key(|(_, end)| **end)
                    .map(|(k, _)| k.clone())
                {
                    until.remove(&soonest);
                }
            }
        }
        until.insert(key.to_owned(), until_ms);
    }

    pub fn len(&self) -> usize {
        self.until_ms.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_caller_stays_refused_until_the_window_ends() {
        let refused = RefusedCallers::new();
        assert_eq!(refused.refused_for("caller:a", 0), None);
        refused.refuse("caller:a", 60_000, 0);
        assert_eq!(refused.refused_for("caller:a", 0), Some(60));
        assert_eq!(refused.refused_for("caller:a", 59_001), Some(1));
        assert_eq!(refused.refused_for("caller:b", 1), None);
        assert_eq!(refused.refused_for("caller:a", 60_000), None);
        assert!(refused.is_empty(), "expired entries are dropped when seen");
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_addresses() {
        let refused = RefusedCallers::new();
        for n in 0..(MAX_CALLERS as u64 + 100) {
            refused.refuse(&format!("caller:{n}"), 1_000 + n, 0);
        }
        assert_eq!(refused.len(), MAX_CALLERS);
        // The newest are kept; the soonest to expire went first.
        assert!(refused
            .refused_for(&format!("caller:{}", MAX_CALLERS + 99), 0)
            .is_some());
        assert_eq!(refused.refused_for("caller:0", 0), None);
        // Once the old ones expired, they make room before anything live is dropped.
        refused.refuse("caller:late", 1_000_000, 900_000);
        assert_eq!(refused.len(), 1);
    }
}
