//! The operator API under `/admin/orgs/{org}`: create, inspect, rotate and revoke an org's
//! SCIM token, and delete an org with all of its data. It is not SCIM, but it answers errors
//! with SCIM error bodies so that one error shape serves the whole service.
//!
//! Authentication is `Authorization: Bearer <ADMIN_SECRET>`. The service hands this module the
//! secret only when one is configured; without it every admin path answers exactly as an
//! unknown path does (see `service::handle`), so a deployment without a secret shows no sign of
//! the API. With a secret, a missing or wrong one is a 401. The secret is never logged, and
//! neither is a token: the log gets the org and what was done.

use super::console;
use super::context::{Ctx, Failure};
use super::shards;
use super::{events_api, webhooks_api};
use crate::core::auth::{bearer_token, AuthFailure};
use crate::core::clock::format_timestamp;
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::events::webhook::Scope;
use crate::core::events::{EventType, NewEvent, Source};
use crate::core::http::{HttpRequest, HttpResponse, Method};
use crate::core::kv::KeyValue;
use crate::core::org::OrgName;
use crate::core::shard::Placement;
use crate::core::store::events as log;
use crate::core::store::org_registry;
use crate::core::store::plan::Plan;
use crate::core::store::purge::{self, OrgTable};
use crate::core::store::setup_links;
use crate::core::token::{kv_key, GraceToken, NewToken, TokenRecord};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Longest rotation grace period: one day is enough to paste a new token into every IdP that
/// uses the old one, and short enough that a leaked token cannot be kept alive by rotating.
pub(crate) const MAX_GRACE_SECONDS: u64 = 86_400;

/// The only admin request with a body is `{"graceSeconds": N}`; anything near this size is a
/// mistake.
const MAX_ADMIN_BODY_BYTES: usize = 1024;

/// How an org deletion is cut up. Each statement deletes at most `chunk` rows, and one request
/// runs at most `max_rounds` batches of (at most) four statements plus one final check.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PurgeLimits {
    pub chunk: usize,
    pub max_rounds: usize,
}

/// 10 rounds × 4 statements + 1 check = 41 D1 queries, inside the Workers Free limit of 50
/// queries per invocation; 5,000-row deletes stay far below D1's 30 s statement limit. One
/// request removes up to 50,000 rows per table; a larger org answers `"complete": false` and
/// the operator repeats the DELETE.
pub(crate) const PURGE_LIMITS: PurgeLimits = PurgeLimits {
    chunk: 5_000,
    max_rounds: 10,
};

/// Entry point for an authorised-or-not admin request when a secret is configured.
pub(crate) async fn handle<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    secret: &str,
    org: Option<&OrgName>,
    rest: &[String],
) -> Result<HttpResponse, Failure> {
    // The console signs in once and then sends its session cookie instead of the secret.
    if ctx.request.header("authorization").is_none() && console::has_session_cookie(ctx) {
        if let Err(refused) = console::check_session(ctx, secret).await? {
            return Ok(refused);
        }
    } else if let Err(why) = check_secret(secret, ctx.request.header("authorization")) {
        ctx.note(format!("admin auth: {why:?}"));
        return Ok(unauthorized());
    }
    let Some(org) = org else {
        // `/admin/webhook` takes every org's events; the rest without an org is the console's.
        if rest.len() == 1 && rest[0] == "webhook" {
            return webhook(ctx, &Scope::Deployment, ctx.request.method).await;
        }
        return console::org_collection(ctx).await;
    };
    dispatch(ctx, org, rest).await
}

/// Runs an authorised request on one org's admin routes (the setup page reaches a few of them
/// with its link instead of the secret).
pub(crate) async fn dispatch<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    rest: &[String],
) -> Result<HttpResponse, Failure> {
    let method = ctx.request.method;
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (rest.as_slice(), method) {
        ([], Method::Delete) => delete_org(ctx, org, PURGE_LIMITS).await,
        ([], Method::Post) => console::create_org(ctx, org).await,
        ([], _) => Ok(method_not_allowed(method, "POST, DELETE")),
        (["token"], Method::Post) => create_token(ctx, org).await,
        (["token"], Method::Get) => token_metadata(ctx, org).await,
        (["token"], Method::Delete) => revoke_token(ctx, org).await,
        (["token"], _) => Ok(method_not_allowed(method, "GET, POST, DELETE")),
        (["export"], Method::Get) => shards::export(ctx, org).await,
        (["export"], _) => Ok(method_not_allowed(method, "GET")),
        (["import"], Method::Post) => shards::import(ctx, org).await,
        (["import"], _) => Ok(method_not_allowed(method, "POST")),
        (["move"], Method::Post) => shards::move_org(ctx, org).await,
        (["move"], _) => Ok(method_not_allowed(method, "POST")),
        (["events"], Method::Get) => {
            shards::use_org_shard(ctx, org).await?;
            events_api::list(ctx, org).await
        }
        (["events"], _) => Ok(method_not_allowed(method, "GET")),
        (["webhook"], method) => webhook(ctx, &Scope::Org(org.to_string()), method).await,
        (["webhook", "redeliver"], Method::Post) => {
            shards::use_org_shard(ctx, org).await?;
            webhooks_api::redeliver(ctx, org.as_str()).await
        }
        (["webhook", "redeliver"], _) => Ok(method_not_allowed(method, "POST")),
        (["deliveries"], Method::Get) => {
            shards::use_org_shard(ctx, org).await?;
            webhooks_api::deliveries(ctx, org.as_str()).await
        }
        (["deliveries"], _) => Ok(method_not_allowed(method, "GET")),
        _ => console::org_routes(ctx, org, &rest).await,
    }
}

async fn webhook<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    scope: &Scope,
    method: Method,
) -> Result<HttpResponse, Failure> {
    match method {
        Method::Put => webhooks_api::put(ctx, scope).await,
        Method::Get => webhooks_api::get(ctx, scope).await,
        Method::Delete => webhooks_api::delete(ctx, scope).await,
        _ => Ok(method_not_allowed(method, "GET, PUT, DELETE")),
    }
}

/// An operator event for `org`'s log, to append in the admin request's own batch (the caller
/// asks for delivery once that batch ran).
fn operator_event<D, K>(ctx: &Ctx<'_, D, K>, kind: EventType, data: Value) -> NewEvent {
    NewEvent {
        kind,
        occurred_at: format_timestamp(ctx.now_ms()),
        resource: None,
        data,
        previous: None,
        source: Source::Admin,
    }
}

/// Compares the presented secret with the configured one in constant time. Both are hashed
/// first so the comparison also takes the same time whatever their lengths.
pub(super) fn check_secret(secret: &str, authorization: Option<&str>) -> Result<(), AuthFailure> {
    let presented = bearer_token(authorization)?;
    let presented = Sha256::digest(presented.as_bytes());
    let expected = Sha256::digest(secret.as_bytes());
    if bool::from(presented.ct_eq(&expected)) {
        Ok(())
    } else {
        Err(AuthFailure::WrongToken)
    }
}

fn unauthorized() -> HttpResponse {
    let error = ScimError::new(
        401,
        None,
        "Authentication failed: the admin API needs the header Authorization: Bearer <ADMIN_SECRET>.",
    );
    // RFC 6750 §3; a realm of its own, so it is never mistaken for a tenant's 401.
    HttpResponse::json(401, &error.to_json())
        .with_header("www-authenticate", "Bearer realm=\"scim-edge-admin\"")
}

pub(super) fn no_such_endpoint() -> Failure {
    ScimError::not_found(
        "No such admin endpoint. Admin routes are /admin/orgs/{org}, /admin/orgs/{org}/token, \
         /admin/orgs/{org}/events, /admin/orgs/{org}/webhook, /admin/orgs/{org}/deliveries, \
         /admin/orgs/{org}/export, /admin/orgs/{org}/import, /admin/orgs/{org}/move and \
         /admin/webhook.",
    )
    .into()
}

pub(super) fn method_not_allowed(method: Method, allow: &str) -> HttpResponse {
    let error = ScimError::method_not_allowed(format!(
        "Method {} is not allowed on this endpoint; allowed: {allow}.",
        method.as_str()
    ));
    HttpResponse::error(&error).with_header("allow", allow)
}

/// A successful admin answer: plain JSON (this is not a SCIM resource), never cached, since it
/// may carry a token.
pub(crate) fn ok_json(status: u16, body: Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("cache-control".into(), "no-store".into()),
        ],
        body: Some(body.to_string()),
    }
}

/// The optional body of `POST .../token`: `graceSeconds`, and for a new org where to place it
/// (`shard`, a shard's name, or `placement`, a label such as `eu`; not both). No body (or an
/// empty one) means no grace and the least-loaded shard. The media type is not checked: `curl
/// -d` labels JSON as a form, and nothing here is ambiguous.
fn token_body(request: &HttpRequest) -> Result<(u64, Placement), ScimError> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok((0, Placement::Any));
    }
    if request.body.len() > MAX_ADMIN_BODY_BYTES {
        return Err(ScimError::payload_too_large(MAX_ADMIN_BODY_BYTES));
    }
    let text = std::str::from_utf8(&request.body)
        .map_err(|_| ScimError::invalid_syntax("The request body is not valid UTF-8."))?;
    let Value::Object(body) = crate::core::json::parse_strict(text)? else {
        return Err(ScimError::invalid_syntax(
            "The request body must be a JSON object such as {\"graceSeconds\": 3600}.",
        ));
    };
    if let Some(unknown) = body
        .keys()
        .find(|k| !matches!(k.as_str(), "graceSeconds" | "shard" | "placement"))
    {
        return Err(ScimError::invalid_value(format!(
            "Unknown member '{unknown}': this body has graceSeconds, shard and placement."
        )));
    }
    let grace = match body.get("graceSeconds") {
        None => 0,
        Some(value) => value
            .as_u64()
            .filter(|n| *n <= MAX_GRACE_SECONDS)
            .ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "graceSeconds must be a whole number of seconds from 0 to {MAX_GRACE_SECONDS}."
                ))
            })?,
    };
    let text_member = |name: &str| -> Result<Option<String>, ScimError> {
        match body.get(name) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(ScimError::invalid_value(format!(
                "{name} must be a non-empty string."
            ))),
        }
    };
    let placement = match (text_member("shard")?, text_member("placement")?) {
        (Some(_), Some(_)) => {
            return Err(ScimError::invalid_value(
                "Name a shard or a placement label, not both.",
            ))
        }
        (Some(shard), None) => Placement::Shard(shard),
        (None, Some(label)) => Placement::Label(label),
        (None, None) => Placement::Any,
    };
    Ok((grace, placement))
}

/// The org's token record; `Err` when KV holds something that is not one.
pub(crate) async fn read_record<D, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<Option<Result<TokenRecord, ()>>, Failure> {
    let raw = ctx.runtime.kv.get(&kv_key(org.as_str())).await?;
    Ok(raw.map(|raw| serde_json::from_str::<TokenRecord>(&raw).map_err(|_| ())))
}

/// `org`, `created`, `last4` and, while the previous token is still accepted, `graceExpires`.
fn metadata(
    shards_config: &crate::core::shard::ShardConfig,
    org: &OrgName,
    record: &TokenRecord,
    now_ms: u64,
    token: Option<&str>,
) -> Value {
    let mut body = Map::new();
    body.insert("org".into(), Value::from(org.as_str()));
    if let Some(token) = token {
        body.insert("token".into(), Value::from(token));
    }
    body.insert("created".into(), Value::from(record.created.as_str()));
    body.insert("last4".into(), Value::from(record.last4.as_str()));
    body.insert(
        "shard".into(),
        Value::from(shards::shard_name(shards_config, record)),
    );
    if let Some(previous) = record.previous.as_ref().filter(|p| now_ms < p.expires_ms) {
        body.insert(
            "graceExpires".into(),
            Value::from(format_timestamp(previous.expires_ms)),
        );
    }
    Value::Object(body)
}

/// `POST /admin/orgs/{org}/token`: a new token, shown once. The org's current token stops
/// working at once, or keeps working for `graceSeconds` as the record's `previous`. Only the
/// token being replaced gets a grace period: one that was itself in grace stops at once.
pub(super) async fn create_token<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let (grace, placement) = token_body(ctx.request)?;
    let now = ctx.now_ms();
    let current = match read_record(ctx, org).await? {
        Some(Ok(record)) => Some(record),
        Some(Err(())) => {
            ctx.note("admin: replacing an unreadable token record".into());
            None
        }
        None => None,
    };
    // An org keeps its shard when its token is replaced; only a new org is placed.
    let shard = match &current {
        Some(record) => shards::keep_shard(ctx, record, &placement)?,
        None => shards::place(ctx, org, &placement).await?,
    };
    let token = NewToken::generate().map_err(|e| Failure::Internal(format!("getrandom: {e}")))?;
    let mut record = token.record(&format_timestamp(now));
    record.shard = Some(shard);
    if let Some(current) = current.as_ref() {
        record.moved_from = current.moved_from.clone();
    }
    if let Some(current) = current.as_ref().filter(|_| grace > 0) {
        record.previous = Some(GraceToken {
            sha256: current.sha256.clone(),
            expires_ms: now + grace * 1000,
        });
    }
    shards::write_record(ctx, org, &record).await?;
    // The registry row in the control shard; the event in the org's log, on its shard (one
    // batch when that is the control shard).
    let event = operator_event(
        ctx,
        EventType::OrgTokenCreated,
        metadata(ctx.runtime.shards, org, &record, now, None),
    );
    shards::control_and_org_batch(
        ctx,
        &record,
        // The registry row with the org's shard (placement counts it) and token metadata.
        crate::core::store::registry::record(
            org.as_str(),
            shards::shard_name(ctx.runtime.shards, &record),
            now,
        )
        .join(org_registry::upsert_token(
            org.as_str(),
            &record.created,
            &record.created,
            &record.last4,
        ))
        .map(|_| ()),
        log::append_plan(org.as_str(), Some(&event)),
    )
    .await?;
    ctx.wake_deliveries(org.as_str());
    ctx.note(format!(
        "admin: new token for {org} (replaced: {}, grace: {}s, shard: {})",
        current.is_some(),
        if record.previous.is_some() { grace } else { 0 },
        shards::shard_name(ctx.runtime.shards, &record)
    ));
    Ok(ok_json(
        201,
        metadata(ctx.runtime.shards, org, &record, now, Some(token.expose())),
    ))
}

/// `GET /admin/orgs/{org}/token`: metadata only; the token itself is never stored.
async fn token_metadata<D, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    match read_record(ctx, org).await? {
        Some(Ok(record)) => Ok(ok_json(
            200,
            metadata(ctx.runtime.shards, org, &record, ctx.now_ms(), None),
        )),
        Some(Err(())) => Err(Failure::Internal(format!(
            "the token record of {org} is unreadable; POST a new token to replace it"
        ))),
        None => Err(ScimError::not_found(format!("Org {org} has no SCIM token.")).into()),
    }
}

/// `DELETE /admin/orgs/{org}/token`: the org's token (and any token in grace) stops working.
/// Idempotent: 204 whether or not there was one.
async fn revoke_token<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let key = kv_key(org.as_str());
    // Only a revocation that ends a token is an event; repeating the DELETE appends nothing.
    let had = read_record(ctx, org).await?;
    ctx.runtime.kv.delete(&key).await?;
    if let Some(cache) = ctx.runtime.token_cache {
        cache.forget(org.as_str());
    }
    let registry_row = org_registry::clear_token(org.as_str());
    match had {
        Some(record) => {
            // An unreadable record still ended a token; its log is on the control shard then.
            let record =
                record.unwrap_or_else(|()| NewToken::from_random_bytes([0; 32]).record(""));
            let event = operator_event(
                ctx,
                EventType::OrgTokenRevoked,
                json!({"org": org.as_str()}),
            );
            shards::control_and_org_batch(
                ctx,
                &record,
                registry_row,
                log::append_plan(org.as_str(), Some(&event)),
            )
            .await?;
            ctx.wake_deliveries(org.as_str());
        }
        None => {
            ctx.run_on(0, registry_row).await?;
        }
    }
    ctx.note(format!("admin: token of {org} revoked"));
    Ok(HttpResponse {
        status: 204,
        headers: vec![("cache-control".into(), "no-store".into())],
        body: None,
    })
}

/// Rows removed per table by one org deletion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Removed {
    pub users: u64,
    pub user_emails: u64,
    pub groups: u64,
    pub group_members: u64,
}

impl Removed {
    fn add(&mut self, table: OrgTable, n: u64) {
        let slot = match table {
            OrgTable::Users => &mut self.users,
            OrgTable::UserEmails => &mut self.user_emails,
            OrgTable::Groups => &mut self.groups,
            OrgTable::GroupMembers => &mut self.group_members,
        };
        *slot += n;
    }
}

/// Deletes the org's rows on shard `shard` chunk by chunk (`first`, if any, joins the first
/// round's batch). Returns what went and whether
/// nothing of the org is left there (false when `max_rounds` ran out first, or when rows were
/// written meanwhile). The final batch also appends the event `deleted` returns for what was
/// removed (so the record of the deletion costs no round trip of its own).
pub(crate) async fn purge_org<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    shard: usize,
    org: &str,
    limits: PurgeLimits,
    mut first: Option<Plan<()>>,
    deleted: impl FnOnce(&Removed) -> Option<NewEvent>,
) -> Result<(Removed, bool), Failure> {
    let mut removed = Removed::default();
    let mut pending: Vec<OrgTable> = OrgTable::ALL.to_vec();
    for _ in 0..limits.max_rounds {
        if pending.is_empty() {
            break;
        }
        let mut still = Vec::new();
        let round = purge::round(org, &pending, limits.chunk);
        // `first` (lifting a move lock) rides in the first round's batch.
        let round = match first.take() {
            Some(first) => first.join(round).map(|((), r)| r),
            None => round,
        };
        for (table, changes) in ctx.run_on(shard, round).await? {
            removed.add(table, changes.unwrap_or(0));
            // A full chunk (or an unknown count) may have more behind it; a short one emptied
            // the table.
            if changes.is_none_or(|n| n >= limits.chunk as u64) {
                still.push(table);
            }
        }
        pending = still;
    }
    // The counts follow whatever rows are left (none once the purge is complete).
    let event = deleted(&removed);
    let recorded = event.is_some();
    let finish = purge::finish(org).join(log::append_plan(org, event.as_ref()));
    let (left, ()) = ctx.run_on(shard, finish).await?;
    if recorded {
        ctx.wake_deliveries(org);
    }
    Ok((removed, !left))
}

/// `DELETE /admin/orgs/{org}`: revokes the token first (so the IdP is refused from now on,
/// within KV's propagation delay), then deletes every user, email, group and membership row of
/// the org on every shard (an interrupted move may have left a copy anywhere), lifts any move
/// lock and removes the org from the registry. Idempotent: deleting a deleted (or never
/// created) org answers zeros.
pub(crate) async fn delete_org<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    limits: PurgeLimits,
) -> Result<HttpResponse, Failure> {
    let key = kv_key(org.as_str());
    let record = read_record(ctx, org).await?;
    let had_token = record.is_some();
    if had_token {
        ctx.runtime.kv.delete(&key).await?;
    }
    ctx.run_on(
        0,
        org_registry::delete(org.as_str()).join(setup_links::delete_for_org(org.as_str())),
    )
    .await?;
    if let Some(cache) = ctx.runtime.token_cache {
        cache.forget(org.as_str());
    }
    // Every shard (an interrupted move may have left a copy anywhere), the org's own shard
    // last: its final batch records the deletion in the org's log.
    let home = match &record {
        Some(Ok(record)) => {
            ctx.shard_index(Some(shards::shard_name(ctx.runtime.shards, record)))?
        }
        _ => 0,
    };
    let mut order: Vec<usize> = (0..ctx.runtime.dbs.len()).filter(|&s| s != home).collect();
    order.push(home);
    let mut removed = Removed::default();
    let mut complete = true;
    let now = format_timestamp(ctx.now_ms());
    for shard in order {
        let before = removed;
        let unlock = Some(shards::unlock(org.as_str()));
        let (on_shard, done) = purge_org(ctx, shard, org.as_str(), limits, unlock, |here| {
            if shard != home {
                return None;
            }
            let users = before.users + here.users;
            let groups = before.groups + here.groups;
            // Deleting an org that never existed (or is already gone) records nothing.
            (had_token || users + groups + before.user_emails + here.user_emails > 0).then(|| {
                NewEvent {
                    kind: EventType::OrgDeleted,
                    occurred_at: now.clone(),
                    resource: None,
                    data: json!({
                        "org": org.as_str(),
                        "tokenRevoked": had_token,
                        "deleted": {"users": users, "groups": groups},
                    }),
                    previous: None,
                    source: Source::Admin,
                }
            })
        })
        .await?;
        removed.users += on_shard.users;
        removed.user_emails += on_shard.user_emails;
        removed.groups += on_shard.groups;
        removed.group_members += on_shard.group_members;
        complete &= done;
    }
    ctx.note(format!(
        "admin: org {org} deleted (token: {had_token}, users: {}, groups: {}, complete: {complete})",
        removed.users, removed.groups
    ));
    Ok(ok_json(
        200,
        json!({
            "org": org.as_str(),
            "tokenRevoked": had_token,
            "deleted": {
                "users": removed.users,
                "userEmails": removed.user_emails,
                "groups": removed.groups,
                "groupMembers": removed.group_members,
            },
            "complete": complete,
        }),
    ))
}
