//! Where the hot path's time goes: scim-edge's `/health` (routing in wasm, no storage), an
//! authenticated `/ServiceProviderConfig` (adds the KV token lookup, no D1), and GET by id
//! (adds one D1 round trip), next to the floor's GET, at concurrency 1, in rounds.

use crate::client::{Kind, Target};
use crate::run::{batch, key, Ctx};
use reqwest::Method;
use std::time::Duration;

pub const W: &str = "breakdown";

pub async fn run(ctx: &Ctx, edge: &Target, user_id: &str, floor: &Target, reps: u64, rounds: u64) {
    // /health lives at the origin, outside the tenant URL.
    let origin = edge.base.split("/scim/v2/").next().unwrap_or(&edge.base).to_owned();
    let health = Target { kind: Kind::Edge, base: origin, token: None };
    let per_round = reps.div_ceil(rounds);
    let get_path = format!("/Users/{user_id}");
    let steps: [(&'static str, &Target, &str); 4] = [
        ("get", floor, ""),
        ("health_no_storage", &health, "/health"),
        ("auth_kv_only", edge, "/ServiceProviderConfig"),
        ("get_by_id_kv_d1", edge, &get_path),
    ];
    for _ in 0..rounds {
        for (op, t, path) in steps {
            let (_, e) = batch(ctx, 1, per_round, Duration::from_secs(20), |_, _| async move {
                ctx.timed(t, key(W, op, t.kind, 1), Method::GET, path, None).await;
            })
            .await;
            ctx.rec.borrow_mut().add_busy(key(W, op, t.kind, 1), e);
        }
    }
}
