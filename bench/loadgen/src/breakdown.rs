//! Where the hot path's time goes: scim-edge's `/health` (routing in wasm, no storage), an
//! authenticated `/ServiceProviderConfig` (adds the KV token lookup, no D1), and GET by id
//! (adds one D1 round trip), next to the floor's GET and the floor's `GET /d1` (one
//! `SELECT 1` round trip), at concurrency 1, one request of each
//! in turn.

use crate::client::{Kind, Target};
use crate::run::{batch, key, Ctx};
use reqwest::Method;
use std::time::Duration;

pub const W: &str = "breakdown";

pub async fn run(ctx: &Ctx, edge: &Target, user_id: &str, floor: &Target, reps: u64) {
    // /health lives at the origin, outside the tenant URL.
    let origin = edge
        .base
        .split("/scim/v2/")
        .next()
        .unwrap_or(&edge.base)
        .to_owned();
    let health = Target {
        kind: Kind::Edge,
        base: origin,
        token: None,
    };
    let get_path = format!("/Users/{user_id}");
    let steps: [(&'static str, &Target, &str); 5] = [
        ("get", floor, ""),
        ("get_after_d1_select_1", floor, "d1"),
        ("health_no_storage", &health, "/health"),
        ("auth_kv_only", edge, "/ServiceProviderConfig"),
        ("get_by_id_kv_d1", edge, &get_path),
    ];
    // One request of each step in turn, so the steps see the same moment of the machine.
    let steps = &steps;
    batch(
        ctx,
        1,
        reps * steps.len() as u64,
        Duration::from_secs(60),
        |_, seq| async move {
            let (op, t, path) = steps[(seq % steps.len() as u64) as usize];
            ctx.timed(t, key(W, op, t.kind, 1), Method::GET, path, None)
                .await;
        },
    )
    .await;
}
