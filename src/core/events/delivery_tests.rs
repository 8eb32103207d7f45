//! The pump on SQLite with a scripted receiver: order, signatures, backoff, failure, filters.

use super::*;
use crate::core::events::model::{EventType, NewEvent, Source};
use crate::core::store::events::{append, Guard};
use crate::core::testing::{block_on, SqliteDb};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::VecDeque;

/// One received request: headers and body.
type Received = (Vec<(String, String)>, String);

#[derive(Default)]
struct Receiver {
    /// Statuses to answer, in order; 200 once they run out. `None`: no answer (timeout).
    script: RefCell<VecDeque<Option<u16>>>,
    got: RefCell<Vec<Received>>,
}

impl WebhookPoster for Receiver {
    async fn post(&self, _url: &str, headers: &[(String, String)], body: &str) -> PostResult {
        self.got
            .borrow_mut()
            .push((headers.to_vec(), body.to_owned()));
        let status = self.script.borrow_mut().pop_front().unwrap_or(Some(200));
        PostResult {
            status,
            error: status.is_none().then(|| "timed out".to_owned()),
            duration_ms: 3,
        }
    }
}

const NOW: u64 = 1_795_873_500_000;

fn settings() -> DeliverySettings {
    DeliverySettings {
        retry_delays: vec![10, 60],
        local: true,
        events_per_pump: 25,
    }
}

fn add_events(db: &SqliteDb, kinds: &[EventType]) {
    for kind in kinds {
        let event = NewEvent {
            kind: *kind,
            occurred_at: format_timestamp(NOW),
            resource: None,
            data: json!({"n": kind.name()}),
            previous: None,
            source: Source::Admin,
        };
        block_on(db.batch(vec![append("acme", &event, Guard::Always)])).unwrap();
    }
}

fn register(db: &SqliteDb, scope: &str, url: &str, types: Option<&str>) -> SigningSecret {
    let secret = SigningSecret::generate().unwrap();
    block_on(db.batch(store::put_endpoint(
        scope,
        url,
        types.map(str::to_owned),
        secret.expose(),
        "t",
    )))
    .unwrap();
    secret
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    &headers.iter().find(|(k, _)| k == name).unwrap().1
}

fn delivered_seqs(receiver: &Receiver) -> Vec<i64> {
    receiver
        .got
        .borrow()
        .iter()
        .map(|(_, body)| {
            serde_json::from_str::<Value>(body).unwrap()["seq"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

fn statuses(db: &SqliteDb) -> Vec<(i64, i64, String)> {
    db.query(
        "SELECT seq, attempt, status FROM webhook_deliveries ORDER BY rowid",
        vec![],
    )
    .iter()
    .map(|r| {
        (
            r["seq"].as_i64().unwrap(),
            r["attempt"].as_i64().unwrap(),
            r["status"].as_str().unwrap().to_owned(),
        )
    })
    .collect()
}

#[test]
fn events_after_registration_arrive_in_order_and_signed() {
    let db = SqliteDb::new();
    add_events(&db, &[EventType::OrgTokenCreated]);
    let secret = register(&db, "acme", "http://127.0.0.1:9/hook", None);
    add_events(
        &db,
        &[EventType::OrgTokenRevoked, EventType::OrgTokenCreated],
    );
    let receiver = Receiver::default();
    let message = DeliveryMessage {
        org: "acme".into(),
        scope: None,
    };
    let outcomes = block_on(handle_message(&db, &receiver, &message, NOW, &settings())).unwrap();
    assert_eq!(outcomes, vec![("acme".into(), PumpOutcome::Idle)]);
    // The event before registration is not sent.
    assert_eq!(delivered_seqs(&receiver), vec![2, 3]);
    for (headers, body) in receiver.got.borrow().iter() {
        let id = header(headers, "webhook-id");
        let timestamp: u64 = header(headers, "webhook-timestamp").parse().unwrap();
        assert!(id.starts_with("evt_"));
        assert_eq!(serde_json::from_str::<Value>(body).unwrap()["id"], id);
        assert_eq!(timestamp, NOW / 1000);
        assert!(secret.verify(id, timestamp, body, header(headers, "webhook-signature")));
    }
    // Nothing new: a second message sends nothing.
    block_on(handle_message(&db, &receiver, &message, NOW, &settings())).unwrap();
    assert_eq!(receiver.got.borrow().len(), 2);
}

#[test]
fn a_failing_receiver_is_retried_with_backoff_and_later_events_wait() {
    let db = SqliteDb::new();
    register(&db, "acme", "http://127.0.0.1:9/hook", None);
    add_events(
        &db,
        &[EventType::OrgTokenCreated, EventType::OrgTokenRevoked],
    );
    let receiver = Receiver::default();
    receiver.script.borrow_mut().extend([Some(500), None]);
    let s = settings();
    let first = block_on(pump(&db, &receiver, "acme", "acme", NOW, &s)).unwrap();
    assert_eq!(first, PumpOutcome::RetryIn(10));
    // Too early: a duplicate message does not jump the backoff.
    let early = block_on(pump(&db, &receiver, "acme", "acme", NOW + 5_000, &s)).unwrap();
    assert_eq!(early, PumpOutcome::Idle);
    assert_eq!(receiver.got.borrow().len(), 1);
    let second = block_on(pump(&db, &receiver, "acme", "acme", NOW + 11_000, &s)).unwrap();
    assert_eq!(second, PumpOutcome::RetryIn(60));
    let third = block_on(pump(&db, &receiver, "acme", "acme", NOW + 80_000, &s)).unwrap();
    assert_eq!(third, PumpOutcome::Idle);
    assert_eq!(delivered_seqs(&receiver), vec![1, 1, 1, 2]);
    assert_eq!(
        statuses(&db),
        vec![
            (1, 1, "retrying".into()),
            (1, 2, "retrying".into()),
            (1, 3, "delivered".into()),
            (2, 1, "delivered".into()),
        ]
    );
    let failed = db.query(
        "SELECT http_status, error, next_retry_at FROM webhook_deliveries ORDER BY rowid LIMIT 2",
        vec![],
    );
    assert_eq!(failed[0]["http_status"], 500);
    assert_eq!(failed[1]["error"], "timed out");
    assert!(failed[1]["next_retry_at"].as_str().is_some());
}

#[test]
fn after_the_last_retry_the_event_is_recorded_failed_and_the_endpoint_moves_on() {
    let db = SqliteDb::new();
    register(&db, "acme", "http://127.0.0.1:9/hook", None);
    add_events(
        &db,
        &[EventType::OrgTokenCreated, EventType::OrgTokenRevoked],
    );
    let receiver = Receiver::default();
    receiver
        .script
        .borrow_mut()
        .extend([Some(503), Some(503), Some(404)]);
    let s = settings();
    let mut now = NOW;
    let mut outcomes = Vec::new();
    for _ in 0..4 {
        let outcome = block_on(pump(&db, &receiver, "acme", "acme", now, &s)).unwrap();
        outcomes.push(outcome);
        now += 100_000;
    }
    assert_eq!(
        outcomes,
        vec![
            PumpOutcome::RetryIn(10),
            PumpOutcome::RetryIn(60),
            PumpOutcome::Idle,
            PumpOutcome::Idle
        ]
    );
    assert_eq!(
        statuses(&db),
        vec![
            (1, 1, "retrying".into()),
            (1, 2, "retrying".into()),
            (1, 3, "failed".into()),
            (2, 1, "delivered".into()),
        ]
    );
}

#[test]
fn filtered_types_are_skipped_and_redeliver_replays() {
    let db = SqliteDb::new();
    register(
        &db,
        "*",
        "http://127.0.0.1:9/hook",
        Some(r#"["org.token_revoked"]"#),
    );
    add_events(
        &db,
        &[
            EventType::OrgTokenCreated,
            EventType::OrgTokenRevoked,
            EventType::OrgTokenCreated,
        ],
    );
    let receiver = Receiver::default();
    let s = settings();
    block_on(pump(&db, &receiver, "acme", "*", NOW, &s)).unwrap();
    assert_eq!(delivered_seqs(&receiver), vec![2]);
    let cursor = db.query("SELECT delivered_seq FROM webhook_cursors", vec![]);
    assert_eq!(cursor[0]["delivered_seq"], 3);
    block_on(db.batch(vec![store::rewind("acme", 1)])).unwrap();
    block_on(pump(&db, &receiver, "acme", "*", NOW, &s)).unwrap();
    assert_eq!(delivered_seqs(&receiver), vec![2, 2]);
}

#[test]
fn plain_http_elsewhere_than_a_local_loopback_is_never_posted() {
    let db = SqliteDb::new();
    register(&db, "acme", "http://127.0.0.1:9/hook", None);
    add_events(&db, &[EventType::OrgTokenCreated]);
    let receiver = Receiver::default();
    let production = DeliverySettings {
        local: false,
        ..settings()
    };
    let outcome = block_on(pump(&db, &receiver, "acme", "acme", NOW, &production)).unwrap();
    assert_eq!(outcome, PumpOutcome::RetryIn(10));
    assert!(receiver.got.borrow().is_empty());
}

#[test]
fn a_long_backlog_is_handed_over_in_bounded_pumps() {
    let db = SqliteDb::new();
    register(&db, "acme", "http://127.0.0.1:9/hook", None);
    add_events(&db, &[EventType::OrgTokenCreated; 5]);
    let receiver = Receiver::default();
    let s = DeliverySettings {
        events_per_pump: 2,
        ..settings()
    };
    let mut outcomes = Vec::new();
    loop {
        let outcome = block_on(pump(&db, &receiver, "acme", "acme", NOW, &s)).unwrap();
        outcomes.push(outcome);
        if outcome == PumpOutcome::Idle {
            break;
        }
    }
    assert_eq!(
        outcomes,
        vec![PumpOutcome::More, PumpOutcome::More, PumpOutcome::Idle]
    );
    assert_eq!(delivered_seqs(&receiver), vec![1, 2, 3, 4, 5]);
}

#[test]
fn the_retry_delays_var_is_checked() {
    assert_eq!(retry_delays(Some("1, 2,3")), vec![1, 2, 3]);
    assert_eq!(retry_delays(None), DEFAULT_RETRY_DELAYS.to_vec());
    assert_eq!(retry_delays(Some("1,x")), DEFAULT_RETRY_DELAYS.to_vec());
    assert_eq!(retry_delays(Some("99999")), DEFAULT_RETRY_DELAYS.to_vec());
    let total: u32 = DEFAULT_RETRY_DELAYS.iter().sum();
    assert!((2 * 86_400..4 * 86_400).contains(&total), "{total}");
}
