//! The shared run context (HTTP client, recorder, hard deadline) and the bounded concurrent
//! batch runner every workload uses.

use crate::client::{Kind, Reply, Target};
use crate::stats::{Key, Recorder};
use futures_util::future::join_all;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::time::{Duration, Instant};

pub struct Ctx {
    pub http: reqwest::Client,
    pub rec: RefCell<Recorder>,
    pub quick: bool,
    /// Nothing is sent after this instant, whatever a workload asked for.
    pub hard_stop: Instant,
}

impl Ctx {
    /// Sends one request and records it under `key`.
    pub async fn timed(
        &self,
        target: &Target,
        key: Key,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        let reply = target.send(&self.http, method, path, body).await;
        self.rec.borrow_mut().record(key, &reply);
        reply
    }

    pub fn out_of_time(&self) -> bool {
        Instant::now() >= self.hard_stop
    }
}

pub fn key(workload: &'static str, op: &'static str, target: Kind, concurrency: usize) -> Key {
    Key {
        workload,
        op,
        target,
        concurrency,
    }
}

/// Runs `op(worker, seq)` on `concurrency` workers until `max_ops` operations were started or
/// `budget` has passed (or the hard stop). Returns the operations done and the wall time.
pub async fn batch<F, Fut>(
    ctx: &Ctx,
    concurrency: usize,
    max_ops: u64,
    budget: Duration,
    op: F,
) -> (u64, Duration)
where
    F: Fn(usize, u64) -> Fut,
    Fut: Future<Output = ()>,
{
    let started = Instant::now();
    let stop = (started + budget).min(ctx.hard_stop);
    let next = Cell::new(0u64);
    let workers = (0..concurrency.max(1)).map(|w| {
        let next = &next;
        let op = &op;
        async move {
            loop {
                let seq = next.get();
                if seq >= max_ops || Instant::now() >= stop {
                    break;
                }
                next.set(seq + 1);
                op(w, seq).await;
            }
        }
    });
    join_all(workers).await;
    (next.get(), started.elapsed())
}
