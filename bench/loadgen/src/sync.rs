//! Entra initial sync: for each user, `GET /Users?filter=userName eq "..."` (a miss) then
//! `POST /Users`; then each group is looked up, created, and filled with one membership PATCH
//! per member in Entra's default form `{"op":"Add","path":"members","value":[{"value":id}]}`.
//! The users are split into rounds, and each round runs on every target in turn.

use crate::client::{enc, Kind, Target};
use crate::run::{batch, key, Ctx};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

pub const W: &str = "entra_sync";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A provisioned user: (id, userName).
pub type Population = BTreeMap<Kind, Vec<(String, String)>>;

/// Per target: members whose Add PATCH answered 2xx, and members the groups list when read
/// back afterwards (`GET /Groups/{id}`). A server that answers 2xx without adding shows here.
pub type Membership = BTreeMap<Kind, (u64, u64)>;

fn user_body(i: u64, user_name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": format!("entra-{i:05}"),
        "userName": user_name,
        "active": true,
        "displayName": format!("Entra User {i:05}"),
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "name": {"formatted": format!("Entra User {i:05}"), "familyName": format!("User {i:05}"), "givenName": "Entra"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Bench", "employeeNumber": format!("{i}")}
    })
}

fn add_member(id: &str) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": [{"value": id}]}]})
}

fn filter_path(resource: &str, attr: &str, value: &str) -> String {
    format!(
        "/{resource}?filter={}",
        enc(&format!("{attr} eq \"{value}\""))
    )
}

pub async fn run(
    ctx: &Ctx,
    scim: &[Target],
    floor: &Target,
    users: u64,
    groups: u64,
    rounds: u64,
) -> (Population, Membership) {
    let mut population: Population = BTreeMap::new();
    let membership = std::cell::RefCell::new(Membership::new());
    let budget = Duration::from_secs(if ctx.quick { 30 } else { 120 });
    // Users, round by round, each round on every target in turn.
    for r in 0..rounds {
        let (lo, hi) = (users * r / rounds, users * (r + 1) / rounds);
        for t in scim {
            let made = std::cell::RefCell::new(Vec::new());
            let (n, elapsed) = batch(ctx, 1, hi - lo, budget, |_, seq| {
                let i = lo + seq;
                let made = &made;
                async move {
                    let user_name = format!("entra{i:05}@sync.example.com");
                    ctx.timed(
                        t,
                        key(W, "filter_miss", t.kind, 1),
                        Method::GET,
                        &filter_path("Users", "userName", &user_name),
                        None,
                    )
                    .await;
                    let reply = ctx
                        .timed(
                            t,
                            key(W, "post_user", t.kind, 1),
                            Method::POST,
                            "/Users",
                            Some(&user_body(i, &user_name)),
                        )
                        .await;
                    if let Some(id) = reply.json().get("id").and_then(Value::as_str) {
                        made.borrow_mut().push((id.to_owned(), user_name));
                    }
                }
            })
            .await;
            ctx.rec.borrow_mut().add_mix(W, t.kind, 1, n * 2, elapsed);
            population
                .entry(t.kind)
                .or_default()
                .extend(made.into_inner());
        }
        floor_slice(ctx, floor, (hi - lo) * 2).await;
    }
    // Groups: member k of group g is the user with index k * groups + g.
    for r in 0..rounds {
        let (lo, hi) = (groups * r / rounds, groups * (r + 1) / rounds);
        let mut floor_ops = 0;
        for t in scim {
            let members = population.get(&t.kind).cloned().unwrap_or_default();
            let (n, elapsed) = batch(ctx, 1, hi - lo, budget, |_, seq| {
                let g = lo + seq;
                let (members, membership) = (&members, &membership);
                async move {
                    let name = format!("Entra Group {g:03}");
                    ctx.timed(t, key(W, "group_filter_miss", t.kind, 1), Method::GET,
                        &filter_path("Groups", "displayName", &name), None).await;
                    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                        "displayName": name, "externalId": format!("entra-group-{g}"), "members": []});
                    let reply = ctx.timed(t, key(W, "post_group", t.kind, 1), Method::POST, "/Groups", Some(&body)).await;
                    let Some(gid) = reply.json().get("id").and_then(Value::as_str).map(str::to_owned) else {
                        return;
                    };
                    let mut added = 0;
                    for (id, _) in members.iter().skip(g as usize).step_by(groups as usize) {
                        if ctx.out_of_time() {
                            break;
                        }
                        let reply = ctx.timed(t, key(W, "patch_add_member", t.kind, 1), Method::PATCH,
                            &format!("/Groups/{gid}"), Some(&add_member(id))).await;
                        added += u64::from(reply.ok());
                    }
                    // Read back, untimed: how many members the group holds now.
                    let listed = t.send(&ctx.http, Method::GET, &format!("/Groups/{gid}"), None).await;
                    let found = listed.json().get("members").and_then(Value::as_array).map_or(0, |m| m.len() as u64);
                    let mut m = membership.borrow_mut();
                    let entry = m.entry(t.kind).or_default();
                    entry.0 += added;
                    entry.1 += found;
                }
            })
            .await;
            let per_group = 2 + population
                .get(&t.kind)
                .map_or(0, |m| m.len() as u64 / groups.max(1));
            floor_ops = floor_ops.max(n * per_group);
            ctx.rec
                .borrow_mut()
                .add_mix(W, t.kind, 1, n * per_group, elapsed);
        }
        floor_slice(ctx, floor, floor_ops).await;
    }
    (population, membership.into_inner())
}

/// The floor's share of a round: as many GETs, one at a time.
async fn floor_slice(ctx: &Ctx, floor: &Target, ops: u64) {
    let (n, elapsed) = batch(ctx, 1, ops, Duration::from_secs(30), |_, _| async {
        ctx.timed(floor, key(W, "get", Kind::Floor, 1), Method::GET, "", None)
            .await;
    })
    .await;
    ctx.rec.borrow_mut().add_mix(W, Kind::Floor, 1, n, elapsed);
}
