//! Steady state: a mix over the synced users — the `userName eq` filter (the hot path), GET
//! by id, PATCH displayName, deactivation in Entra's form (`"value":"False"`), and Okta-style
//! paging through all users with count=100 — at each concurrency, in rounds, every target
//! in turn. The floor answers one GET under the same concurrency.

use crate::client::{enc, Kind, Target};
use crate::rng::Rng;
use crate::run::{batch, key, Ctx};
use crate::sync::Population;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

pub const W: &str = "steady";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Upper bound on operations in one slice, whatever the time budget.
const MAX_OPS_PER_SLICE: u64 = 50_000;

pub async fn run(
    ctx: &Ctx,
    targets: &[Target],
    population: &Population,
    concurrencies: &[usize],
    slice: Duration,
    rounds: u64,
) {
    for &c in concurrencies {
        for r in 0..rounds {
            for t in targets {
                let users = population.get(&t.kind).map(Vec::as_slice).unwrap_or(&[]);
                if t.kind != Kind::Floor && users.is_empty() {
                    continue;
                }
                let pages = (users.len() as u64).div_ceil(100).max(1);
                let (n, elapsed) = batch(ctx, c, MAX_OPS_PER_SLICE, slice, |w, seq| async move {
                    if t.kind == Kind::Floor {
                        ctx.timed(t, key(W, "get", t.kind, c), Method::GET, "", None).await;
                        return;
                    }
                    let mut rng = Rng::new((r << 40) ^ ((w as u64) << 32) ^ seq ^ 0x5eed);
                    let (id, user_name) = &users[rng.range(0, users.len() as u64 - 1) as usize];
                    let roll = rng.range(0, 99);
                    if roll < 50 {
                        let filter = enc(&format!("userName eq \"{user_name}\""));
                        ctx.timed(t, key(W, "filter_hot", t.kind, c), Method::GET,
                            &format!("/Users?filter={filter}"), None).await;
                    } else if roll < 70 {
                        ctx.timed(t, key(W, "get_by_id", t.kind, c), Method::GET,
                            &format!("/Users/{id}"), None).await;
                    } else if roll < 85 {
                        let body = json!({"schemas": [PATCH_OP], "Operations": [
                            {"op": "Replace", "path": "displayName", "value": format!("Renamed {seq}")}]});
                        ctx.timed(t, key(W, "patch_display_name", t.kind, c), Method::PATCH,
                            &format!("/Users/{id}"), Some(&body)).await;
                    } else if roll < 90 {
                        let body = json!({"schemas": [PATCH_OP], "Operations": [
                            {"op": "Replace", "path": "active", "value": "False"}]});
                        ctx.timed(t, key(W, "patch_deactivate", t.kind, c), Method::PATCH,
                            &format!("/Users/{id}"), Some(&body)).await;
                    } else {
                        // Each worker pages through all users, one page per turn.
                        let page = (seq / c as u64 + w as u64) % pages;
                        ctx.timed(t, key(W, "page_okta", t.kind, c), Method::GET,
                            &format!("/Users?startIndex={}&count=100", page * 100 + 1), None).await;
                    }
                })
                .await;
                ctx.rec.borrow_mut().add_mix(W, t.kind, c, n, elapsed);
            }
        }
    }
}
