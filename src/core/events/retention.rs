//! Retention and the cron sweep. Events (and delivery attempts) older than the retention
//! period are removed by the Cron Trigger in bounded chunks: D1 stops a Worker invocation
//! after 50 queries on the Free plan, so one run does at most `max_rounds` batches of two
//! or three statements, plus the sweep; a larger backlog goes on the next run.

use super::delivery::DeliveryMessage;
use super::run_plan;
use crate::core::clock::format_timestamp;
use crate::core::db::{Database, DbError};
use crate::core::store::{events as log, webhooks as store};

/// Three times WorkOS's 30 days: a consumer bug found after a month can still be replayed.
pub const DEFAULT_RETENTION_DAYS: u64 = 90;
pub const MAX_RETENTION_DAYS: u64 = 3_650;

/// `EVENT_RETENTION_DAYS`: whole days from 1 to 3,650; anything else is the default.
pub fn retention_days(var: Option<&str>) -> u64 {
    var.and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|d| (1..=MAX_RETENTION_DAYS).contains(d))
        .unwrap_or(DEFAULT_RETENTION_DAYS)
}

#[derive(Debug, Clone, Copy)]
pub struct MaintenanceLimits {
    /// Rows per delete statement.
    pub chunk: usize,
    /// Prune batches per run: 10 × 3 statements + the sweep stays far inside 50 queries.
    pub max_rounds: usize,
    /// Endpoints the sweep re-enqueues per run.
    pub sweep_limit: usize,
}

pub const MAINTENANCE_LIMITS: MaintenanceLimits = MaintenanceLimits {
    chunk: 1_000,
    max_rounds: 10,
    sweep_limit: 100,
};

/// How far back the sweep looks for orgs with events (the cron runs every few minutes; a
/// day covers any outage of the queue shorter than that).
const SWEEP_WINDOW_MS: u64 = 86_400_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaintenanceReport {
    pub events_removed: u64,
    pub attempts_removed: u64,
    /// `true` when old rows remain for the next run.
    pub backlog: bool,
    pub wake: Vec<DeliveryMessage>,
}

pub async fn run<D: Database>(
    db: &D,
    now_ms: u64,
    retention_days: u64,
    limits: MaintenanceLimits,
) -> Result<MaintenanceReport, DbError> {
    let cutoff = format_timestamp(now_ms.saturating_sub(retention_days * SWEEP_WINDOW_MS));
    let mut report = MaintenanceReport {
        backlog: true,
        ..MaintenanceReport::default()
    };
    for _ in 0..limits.max_rounds {
        let (events, attempts) = run_plan(db, log::prune(&cutoff, limits.chunk)).await?;
        report.events_removed += events.unwrap_or(0);
        report.attempts_removed += attempts.unwrap_or(0);
        // A full chunk (or an unknown count) may have more behind it.
        let full = |n: Option<u64>| n.is_none_or(|n| n >= limits.chunk as u64);
        if !full(events) && !full(attempts) {
            report.backlog = false;
            break;
        }
    }
    let since = format_timestamp(now_ms.saturating_sub(SWEEP_WINDOW_MS));
    let behind = run_plan(db, store::behind(&since, now_ms as i64, limits.sweep_limit)).await?;
    report.wake = behind
        .into_iter()
        .map(|(org, scope)| DeliveryMessage {
            org,
            scope: Some(scope),
        })
        .collect();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::model::{EventType, NewEvent, Source};
    use crate::core::store::events::{append, Guard};
    use crate::core::testing::{block_on, SqliteDb};
    use serde_json::json;

    #[test]
    fn the_retention_var_is_checked() {
        assert_eq!(retention_days(None), 90);
        assert_eq!(retention_days(Some("30")), 30);
        for bad in ["0", "-1", "x", "99999", ""] {
            assert_eq!(retention_days(Some(bad)), 90, "{bad}");
        }
    }

    #[test]
    fn a_run_prunes_in_bounded_rounds_and_reports_a_backlog() {
        let db = SqliteDb::new();
        let day = 86_400_000u64;
        let now = 1_795_873_500_000u64;
        for i in 0..25u64 {
            let event = NewEvent {
                kind: EventType::OrgTokenCreated,
                occurred_at: format_timestamp(now - (100 + i) * day),
                resource: None,
                data: json!({}),
                previous: None,
                source: Source::Admin,
            };
            block_on(db.batch(vec![append("acme", &event, Guard::Always)])).unwrap();
        }
        let fresh = NewEvent {
            kind: EventType::OrgTokenRevoked,
            occurred_at: format_timestamp(now - day),
            resource: None,
            data: json!({}),
            previous: None,
            source: Source::Admin,
        };
        block_on(db.batch(vec![append("acme", &fresh, Guard::Always)])).unwrap();
        let limits = MaintenanceLimits {
            chunk: 4,
            max_rounds: 3,
            sweep_limit: 10,
        };
        let first = block_on(run(&db, now, 90, limits)).unwrap();
        assert_eq!(first.events_removed, 12);
        assert!(first.backlog);
        let batches_before = *db.batches.borrow();
        let second = block_on(run(&db, now, 90, limits)).unwrap();
        assert_eq!(second.events_removed, 12);
        let third = block_on(run(&db, now, 90, limits)).unwrap();
        assert_eq!(third.events_removed, 1);
        assert!(!third.backlog);
        // At most max_rounds prune batches plus the sweep per run.
        assert!(*db.batches.borrow() - batches_before <= 2 * (limits.max_rounds + 1));
        let left = db.query("SELECT seq, type FROM events", vec![]);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0]["seq"], 26);
    }
}
