//! Samples per (workload, operation, target, concurrency), the time each was measured over,
//! and their summary: percentiles, throughput and D1 round trips.

use crate::client::{Kind, Reply};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub workload: &'static str,
    pub op: &'static str,
    pub target: Kind,
    pub concurrency: usize,
}

#[derive(Default)]
struct Series {
    latencies_us: Vec<u64>,
    errors: u64,
    /// Status of each failed reply → how many (0: no HTTP reply).
    error_statuses: BTreeMap<u16, u64>,
    d1: Vec<u32>,
    /// Wall time of the batches this operation ran in (for a mix: the mix's time).
    busy: Duration,
}

#[derive(Default)]
pub struct Recorder {
    series: BTreeMap<Key, Series>,
    /// Whole-mix throughput: (workload, target, concurrency) → (ops, wall time).
    mixes: BTreeMap<(&'static str, Kind, usize), (u64, Duration)>,
    /// First few failures, for the report.
    pub failures: Vec<String>,
}

impl Recorder {
    pub fn record(&mut self, key: Key, reply: &Reply) {
        let failed = !reply.ok();
        if failed && self.failures.len() < 40 {
            let body = String::from_utf8_lossy(&reply.body);
            self.failures.push(format!(
                "{} {} {} c={}: HTTP {} {}",
                key.workload,
                key.op,
                key.target.name(),
                key.concurrency,
                reply.status,
                body.chars().take(300).collect::<String>()
            ));
        }
        let s = self.series.entry(key).or_default();
        if failed {
            s.errors += 1;
            *s.error_statuses.entry(reply.status).or_default() += 1;
            return;
        }
        s.latencies_us.push(reply.latency.as_micros() as u64);
        if let Some(d1) = reply.d1 {
            s.d1.push(d1);
        }
    }

    /// Adds wall time to an operation's series (single-operation batches).
    pub fn add_busy(&mut self, key: Key, elapsed: Duration) {
        self.series.entry(key).or_default().busy += elapsed;
    }

    pub fn add_mix(
        &mut self,
        workload: &'static str,
        target: Kind,
        c: usize,
        ops: u64,
        elapsed: Duration,
    ) {
        let e = self.mixes.entry((workload, target, c)).or_default();
        e.0 += ops;
        e.1 += elapsed;
    }

    fn mix_time(&self, workload: &'static str, target: Kind, c: usize) -> Option<Duration> {
        self.mixes.get(&(workload, target, c)).map(|m| m.1)
    }

    pub fn to_json(&self) -> Value {
        let ops: Vec<Value> = self
            .series
            .iter()
            .map(|(k, s)| {
                let mut lat = s.latencies_us.clone();
                lat.sort_unstable();
                let busy = if s.busy.is_zero() {
                    self.mix_time(k.workload, k.target, k.concurrency).unwrap_or_default()
                } else {
                    s.busy
                };
                let n = lat.len() as u64;
                json!({
                    "workload": k.workload,
                    "op": k.op,
                    "target": k.target.name(),
                    "concurrency": k.concurrency,
                    "n": n,
                    "errors": s.errors,
                    "error_statuses": s.error_statuses.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                    "p50_ms": pct(&lat, 50.0),
                    "p95_ms": pct(&lat, 95.0),
                    "p99_ms": pct(&lat, 99.0),
                    "mean_ms": if n == 0 { Value::Null } else { json!(lat.iter().sum::<u64>() as f64 / n as f64 / 1000.0) },
                    "throughput_rps": if busy.is_zero() { Value::Null } else { json!(n as f64 / busy.as_secs_f64()) },
                    "d1_round_trips": d1_summary(&s.d1),
                })
            })
            .collect();
        let mixes: Vec<Value> = self
            .mixes
            .iter()
            .map(|((w, t, c), (n, d))| {
                json!({"workload": w, "target": t.name(), "concurrency": c, "ops": n,
                       "seconds": d.as_secs_f64(),
                       "throughput_rps": if d.is_zero() { 0.0 } else { *n as f64 / d.as_secs_f64() }})
            })
            .collect();
        json!({"operations": ops, "mixes": mixes, "failures": self.failures})
    }
}

/// Nearest-rank percentile in milliseconds.
fn pct(sorted_us: &[u64], p: f64) -> Value {
    if sorted_us.is_empty() {
        return Value::Null;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted_us.len()) - 1;
    json!(sorted_us[i] as f64 / 1000.0)
}

fn d1_summary(d1: &[u32]) -> Value {
    if d1.is_empty() {
        return Value::Null;
    }
    let min = d1.iter().min().copied().unwrap_or(0);
    let max = d1.iter().max().copied().unwrap_or(0);
    let mean = d1.iter().map(|&x| x as f64).sum::<f64>() / d1.len() as f64;
    json!({"min": min, "max": max, "mean": mean})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_counted_by_status() {
        let mut rec = Recorder::default();
        let key = Key {
            workload: "steady",
            op: "filter_hot",
            target: Kind::Polis,
            concurrency: 1,
        };
        for status in [404, 404, 500, 200] {
            let reply = Reply {
                status,
                latency: Duration::from_millis(3),
                d1: None,
                body: Vec::new(),
            };
            rec.record(key.clone(), &reply);
        }
        let op = &rec.to_json()["operations"][0];
        assert_eq!(op["target"], json!("polis"));
        assert_eq!(op["n"], json!(1));
        assert_eq!(op["errors"], json!(3));
        assert_eq!(op["error_statuses"], json!({"404": 2, "500": 1}));
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).map(|x| x * 1000).collect();
        assert_eq!(pct(&v, 50.0), json!(50.0));
        assert_eq!(pct(&v, 99.0), json!(99.0));
        assert_eq!(pct(&[5000], 95.0), json!(5.0));
    }
}
