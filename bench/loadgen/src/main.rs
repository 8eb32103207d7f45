//! scim-edge bench load generator.
//!
//! `loadgen seed-sql ORG USERS MEMBERS`  prints SQL seeding a scale org (see `seed`).
//! `loadgen run CONFIG.json`             runs the workloads and writes the raw results.
//!
//! CONFIG names the targets (loopback only) and the run size:
//! `{"quick": bool, "out": "raw.json",
//!   "edge": {"base": "http://127.0.0.1:P", "tokens": {"org": "token", ...},
//!            "sync_org": "...", "scale": [{"org": "...", "users": 1000, "workload": "scale_1k"}, ...]},
//!   "floor": "http://127.0.0.1:P2/", "peer": {"base": "http://127.0.0.1:P3/v2", "token": "..."} | null,
//!   "polis": {"base": ".../api/scim/v2.0/DIR", "token": "...",
//!             "hot": {"base": ".../api/scim/v2.0/DIR2", "token": "...", "users": 1000}} | null}`
//!
//! `peer` and `polis` run the Entra sync and the steady mix beside scim-edge; `polis.hot` is a
//! second Polis directory, filled with `users` users named as `seed` names bench-2's, that
//! answers the hot-path filter beside scim-edge's 1,000-user org.

mod breakdown;
mod client;
mod rng;
mod run;
mod scale;
mod seed;
mod stats;
mod steady;
mod sync;

use client::{check_loopback, Kind, Target};
use run::Ctx;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The run sizes: QUICK fits the 3-minute budget of `QUICK=1 make bench`, the full run the
/// 15-minute one (builds and seeding included) on 2 cores.
struct Size {
    sync_users: u64,
    sync_groups: u64,
    sync_rounds: u64,
    steady_slice: Duration,
    steady_rounds: u64,
    scale_reps: u64,
    scale_rounds: u64,
    hard_stop: Duration,
}

fn size(quick: bool) -> Size {
    if quick {
        Size {
            sync_users: 60,
            sync_groups: 3,
            sync_rounds: 2,
            steady_slice: Duration::from_millis(700),
            steady_rounds: 2,
            scale_reps: 20,
            scale_rounds: 2,
            hard_stop: Duration::from_secs(100),
        }
    } else {
        Size {
            sync_users: 600,
            sync_groups: 12,
            sync_rounds: 4,
            steady_slice: Duration::from_secs(3),
            steady_rounds: 3,
            scale_reps: 200,
            scale_rounds: 4,
            hard_stop: Duration::from_secs(540),
        }
    }
}

fn text(v: &Value, ptr: &str) -> Result<String, String> {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("config: {ptr} is missing"))
}

fn edge_target(cfg: &Value, org: &str) -> Result<Target, String> {
    let base = text(cfg, "/edge/base")?;
    check_loopback(&base)?;
    Ok(Target {
        kind: Kind::Edge,
        base: format!("{base}/scim/v2/{org}"),
        token: Some(text(cfg, &format!("/edge/tokens/{org}"))?),
    })
}

fn say(msg: &str) {
    eprintln!("==> loadgen: {msg}");
}

async fn run(cfg: Value) -> Result<(), String> {
    let quick = cfg.get("quick").and_then(Value::as_bool).unwrap_or(true);
    let sz = size(quick);
    let run_started = Instant::now();
    let started_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let ctx = Ctx {
        http: client::client(),
        rec: RefCell::new(Default::default()),
        quick,
        hard_stop: Instant::now() + sz.hard_stop,
    };
    let edge = edge_target(&cfg, &text(&cfg, "/edge/sync_org")?)?;
    let floor_base = text(&cfg, "/floor")?;
    check_loopback(&floor_base)?;
    let floor = Target {
        kind: Kind::Floor,
        base: floor_base,
        token: None,
    };
    let mut scim = vec![edge];
    for (name, kind) in [("peer", Kind::Peer), ("polis", Kind::Polis)] {
        if let Some(peer) = cfg.get(name).filter(|p| !p.is_null()) {
            let base = text(peer, "/base")?;
            check_loopback(&base)?;
            scim.push(Target {
                kind,
                base,
                token: peer.get("token").and_then(Value::as_str).map(str::to_owned),
            });
        }
    }
    let mut notes = Vec::new();

    say(&format!(
        "entra sync: {} users, {} groups on {} targets",
        sz.sync_users,
        sz.sync_groups,
        scim.len()
    ));
    let (population, membership) = sync::run(
        &ctx,
        &scim,
        &floor,
        sz.sync_users,
        sz.sync_groups,
        sz.sync_rounds,
    )
    .await;
    for (kind, (added, found)) in &membership {
        notes.push(format!(
            "{}: the sync's membership PATCHes answered 2xx for {added} members; read back, its groups list {found}",
            kind.name()
        ));
    }
    for (kind, users) in &population {
        notes.push(format!(
            "{}: {} users provisioned by the sync",
            kind.name(),
            users.len()
        ));
    }

    // Before the steady mix: its concurrent writes are what Polis's SQLite store may not survive.
    if let Some(hot) = cfg.pointer("/polis/hot").filter(|p| !p.is_null()) {
        let base = text(hot, "/base")?;
        check_loopback(&base)?;
        let target = Target {
            kind: Kind::Polis,
            base,
            token: hot.get("token").and_then(Value::as_str).map(str::to_owned),
        };
        let users = hot
            .get("users")
            .and_then(Value::as_u64)
            .ok_or("config: polis.hot.users")?;
        say("polis: hot-path filter on its second directory");
        scale::hot_filter_peer(&ctx, &target, "bench-2", users, sz.scale_reps, &[1, 8, 32]).await;
        notes.push(format!(
            "polis: hot-path filter on its second directory, {users} users (filled by bench/polis/server.mjs at start)"
        ));
    }
    if let Some((id, _)) = population.get(&Kind::Edge).and_then(|u| u.first()) {
        say("breakdown: health, auth (KV), get by id (KV + D1) vs floor");
        breakdown::run(&ctx, &scim[0], id, &floor, sz.scale_reps).await;
    }

    let mut targets = scim.clone();
    targets.push(floor.clone());
    say("steady-state mix at concurrency 1, 8, 32");
    steady::run(
        &ctx,
        &targets,
        &population,
        &[1, 8, 32],
        sz.steady_slice,
        sz.steady_rounds,
    )
    .await;

    let mut orgs = Vec::new();
    for o in cfg
        .pointer("/edge/scale")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let org = text(&o, "/org")?;
        let workload: &'static str = match text(&o, "/workload")?.as_str() {
            "scale_1k" => "scale_1k",
            "scale_100k" => "scale_100k",
            other => return Err(format!("config: unknown scale workload {other}")),
        };
        let users = o
            .get("users")
            .and_then(Value::as_u64)
            .ok_or("config: scale users")?;
        let mut org = scale::Org {
            workload,
            target: edge_target(&cfg, &org)?,
            org,
            users,
            last_cursor: None,
        };
        match scale::prepare(&ctx, &mut org).await {
            Ok(how) => notes.push(format!(
                "{}: cursor for page {} {how}",
                org.org,
                users / scale::PAGE
            )),
            Err(e) => notes.push(format!("{}: no last-page cursor: {e}", org.org)),
        }
        orgs.push(org);
    }
    if !orgs.is_empty() {
        say("scale: 1,000 vs 100,000 users");
        scale::run(
            &ctx,
            &orgs,
            &floor,
            sz.scale_reps,
            sz.scale_rounds,
            &[1, 8, 32],
        )
        .await;
    }
    if ctx.out_of_time() {
        notes.push("the hard stop was reached: later workloads are short".into());
    }
    let mut out = ctx.rec.borrow().to_json();
    out["meta"] = json!({
        "quick": quick,
        "started_unix": started_at,
        "seconds": run_started.elapsed().as_secs_f64(),
        "sync_users": sz.sync_users,
        "sync_groups": sz.sync_groups,
        "steady_seconds_per_target_and_concurrency": sz.steady_slice.as_secs_f64() * sz.steady_rounds as f64,
        "scale_reps": sz.scale_reps,
        "page_size": scale::PAGE,
        "notes": notes,
        "membership": membership.iter().map(|(k, (added, found))| (k.name().to_owned(), json!({"added": added, "found": found}))).collect::<serde_json::Map<_, _>>(),
    });
    let path = text(&cfg, "/out")?;
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("{path}: {e}"))?;
    say(&format!("raw results in {path}"));
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["seed-sql", org, users, members] => (|| {
            let users = users.parse().map_err(|_| "USERS is not a number")?;
            let members = members.parse().map_err(|_| "MEMBERS is not a number")?;
            print!("{}", seed::seed_sql(org, users, members)?);
            Ok::<(), String>(())
        })(),
        ["run", config] => std::fs::read_to_string(config)
            .map_err(|e| format!("{config}: {e}"))
            .and_then(|s| serde_json::from_str(&s).map_err(|e| format!("{config}: {e}")))
            .and_then(|cfg| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?
                    .block_on(run(cfg))
            }),
        _ => Err("usage: loadgen seed-sql ORG USERS MEMBERS | loadgen run CONFIG.json".into()),
    };
    if let Err(e) = result {
        eprintln!("loadgen: {e}");
        std::process::exit(1);
    }
}
