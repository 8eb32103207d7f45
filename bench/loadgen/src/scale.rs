//! Scale: the same operations on an org of 1,000 users with a 10-member group and on one of
//! 100,000 users with a 50,000-member group (both seeded through SQL, see `seed`): the hot-path
//! filter, index paging, cursor page 1 and the last cursor page, adding and removing one
//! member, and reading the group without its members. Orgs and operations alternate within
//! each round, and the floor's GET runs in every round too.

use crate::client::{enc, Kind, Target};
use crate::rng::Rng;
use crate::run::{batch, key, Ctx};
use crate::seed;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const PAGE: u64 = 100;

pub struct Org {
    /// Workload label, e.g. `scale_100k`.
    pub workload: &'static str,
    pub org: String,
    pub users: u64,
    pub target: Target,
    /// A cursor for the last page (`users / PAGE`), found in `prepare`.
    pub last_cursor: Option<String>,
}

impl Org {
    fn last_page(&self) -> u64 {
        self.users / PAGE
    }
}

/// Finds a cursor for the org's last page. The cursor of page 1 is decoded, moved to the row
/// before the last page (the seeded order is known), and re-sealed with its checksum; if the
/// service refuses it, the pages are walked with `nextCursor` instead (bounded in time).
pub async fn prepare(ctx: &Ctx, org: &mut Org) -> Result<String, String> {
    let first = org
        .target
        .send(
            &ctx.http,
            Method::GET,
            &format!("/Users?cursor=&count={PAGE}"),
            None,
        )
        .await;
    let next = first
        .json()
        .get("nextCursor")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            format!(
                "{}: page 1 has no nextCursor (HTTP {})",
                org.org, first.status
            )
        })?;
    let before = (org.last_page() - 1) * PAGE;
    let expect = seed::user_id(before + 1);
    if let Some(crafted) = move_cursor(&next, &seed::created(before), &seed::user_id(before)) {
        if first_id(ctx, org, &crafted).await.as_deref() == Some(expect.as_str()) {
            org.last_cursor = Some(crafted);
            return Ok("crafted from the page-1 cursor".into());
        }
    }
    // Walk: bounded by the page count and a time budget.
    let started = Instant::now();
    let mut cursor = next;
    for _ in 2..org.last_page() {
        if started.elapsed() > Duration::from_secs(120) || ctx.out_of_time() {
            return Err(format!(
                "{}: walking to the last page took too long",
                org.org
            ));
        }
        let reply = org
            .target
            .send(
                &ctx.http,
                Method::GET,
                &format!("/Users?cursor={}&count={PAGE}", enc(&cursor)),
                None,
            )
            .await;
        cursor = reply
            .json()
            .get("nextCursor")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("{}: the cursor walk ended early", org.org))?;
    }
    org.last_cursor = Some(cursor);
    Ok("walked with nextCursor".into())
}

fn move_cursor(cursor: &str, key_value: &str, id: &str) -> Option<String> {
    let (body, _) = cursor.split_once('.')?;
    let mut state: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    let map = state.as_object_mut()?;
    map.insert("k".into(), json!(key_value));
    map.insert("i".into(), json!(id));
    let payload = serde_json::to_vec(&state).ok()?;
    let sum = URL_SAFE_NO_PAD.encode(&Sha256::digest(&payload)[..6]);
    Some(format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), sum))
}

async fn first_id(ctx: &Ctx, org: &Org, cursor: &str) -> Option<String> {
    let reply = org
        .target
        .send(
            &ctx.http,
            Method::GET,
            &format!("/Users?cursor={}&count={PAGE}", enc(cursor)),
            None,
        )
        .await;
    reply
        .json()
        .pointer("/Resources/0/id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn member_patch(op: &str, id: &str) -> Value {
    let operation = if op == "Add" {
        json!({"op": "Add", "path": "members", "value": [{"value": id}]})
    } else {
        json!({"op": "Remove", "path": format!("members[value eq \"{id}\"]")})
    };
    json!({"schemas": [PATCH_OP], "Operations": [operation]})
}

pub async fn run(
    ctx: &Ctx,
    orgs: &[Org],
    floor: &Target,
    reps: u64,
    rounds: u64,
    concurrencies: &[usize],
) {
    let budget = Duration::from_secs(60);
    for r in 0..rounds {
        let per_round = reps.div_ceil(rounds);
        for o in orgs {
            let t = &o.target;
            let w = o.workload;
            let gid = seed::group_id(&o.org);
            // Users 1..=members are in the group; the last user never is.
            let outsider = seed::user_id(o.users);
            let single = |op: &'static str, path: String| async move {
                let (_, e) = batch(ctx, 1, per_round, budget, |_, _| {
                    let path = path.clone();
                    async move {
                        ctx.timed(t, key(w, op, Kind::Edge, 1), Method::GET, &path, None)
                            .await;
                    }
                })
                .await;
                ctx.rec.borrow_mut().add_busy(key(w, op, Kind::Edge, 1), e);
            };
            for &c in concurrencies {
                let (_, e) = batch(ctx, c, per_round * c as u64, budget, |wk, seq| async move {
                    let mut rng = Rng::new((r << 40) ^ ((wk as u64) << 32) ^ seq ^ 0xf17e);
                    let n = rng.range(1, o.users);
                    let filter = enc(&format!("userName eq \"{}\"", seed::user_name(&o.org, n)));
                    ctx.timed(
                        t,
                        key(w, "filter_hot", Kind::Edge, c),
                        Method::GET,
                        &format!("/Users?filter={filter}"),
                        None,
                    )
                    .await;
                })
                .await;
                ctx.rec
                    .borrow_mut()
                    .add_busy(key(w, "filter_hot", Kind::Edge, c), e);
            }
            let (_, e) = batch(ctx, 1, per_round, budget, |_, seq| async move {
                let start = (seq * 37 % 10) * PAGE + 1;
                ctx.timed(
                    t,
                    key(w, "page_index", Kind::Edge, 1),
                    Method::GET,
                    &format!("/Users?startIndex={start}&count={PAGE}"),
                    None,
                )
                .await;
            })
            .await;
            ctx.rec
                .borrow_mut()
                .add_busy(key(w, "page_index", Kind::Edge, 1), e);
            single("cursor_page_1", format!("/Users?cursor=&count={PAGE}")).await;
            if let Some(cursor) = &o.last_cursor {
                single(
                    "cursor_page_last",
                    format!("/Users?cursor={}&count={PAGE}", enc(cursor)),
                )
                .await;
            }
            let (_, e) = batch(ctx, 1, per_round, budget, |_, _| {
                let (gid, outsider) = (&gid, &outsider);
                async move {
                    let path = format!("/Groups/{gid}");
                    ctx.timed(
                        t,
                        key(w, "group_add_member", Kind::Edge, 1),
                        Method::PATCH,
                        &path,
                        Some(&member_patch("Add", outsider)),
                    )
                    .await;
                    ctx.timed(
                        t,
                        key(w, "group_remove_member", Kind::Edge, 1),
                        Method::PATCH,
                        &path,
                        Some(&member_patch("Remove", outsider)),
                    )
                    .await;
                }
            })
            .await;
            // The pair shares the batch time; each gets half.
            ctx.rec
                .borrow_mut()
                .add_busy(key(w, "group_add_member", Kind::Edge, 1), e / 2);
            ctx.rec
                .borrow_mut()
                .add_busy(key(w, "group_remove_member", Kind::Edge, 1), e / 2);
            single(
                "group_get_excluded_members",
                format!("/Groups/{gid}?excludedAttributes=members"),
            )
            .await;
        }
        let (_, e) = batch(ctx, 1, per_round, budget, |_, _| async {
            ctx.timed(
                floor,
                key("scale", "get", Kind::Floor, 1),
                Method::GET,
                "",
                None,
            )
            .await;
        })
        .await;
        ctx.rec
            .borrow_mut()
            .add_busy(key("scale", "get", Kind::Floor, 1), e);
    }
}

/// The hot-path filter (`userName eq`, a random existing user) on a peer's filled directory,
/// recorded under `scale_1k` beside scim-edge's 1,000-user org.
pub async fn hot_filter_peer(
    ctx: &Ctx,
    t: &Target,
    org: &str,
    users: u64,
    reps: u64,
    concurrencies: &[usize],
) {
    let budget = Duration::from_secs(if ctx.quick { 10 } else { 30 });
    for &c in concurrencies {
        let (_, e) = batch(ctx, c, reps * c as u64, budget, |wk, seq| async move {
            let mut rng = Rng::new(((wk as u64) << 32) ^ seq ^ 0x9011);
            let n = rng.range(1, users.max(1));
            let filter = enc(&format!("userName eq \"{}\"", seed::user_name(org, n)));
            ctx.timed(
                t,
                key("scale_1k", "filter_hot", t.kind, c),
                Method::GET,
                &format!("/Users?filter={filter}"),
                None,
            )
            .await;
        })
        .await;
        ctx.rec
            .borrow_mut()
            .add_busy(key("scale_1k", "filter_hot", t.kind, c), e);
    }
}
