//! The org registry through the admin API: `GET /admin/orgs` (list, search, counts),
//! `POST /admin/orgs/{org}` (create = register and issue the first token) and
//! `POST /admin/backfill` (register orgs that exist only in KV).

use super::super::admin::{self, create_token, ok_json};
use super::super::context::{Ctx, Failure};
use super::query_param;
use crate::core::clock::format_timestamp;
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::http::{HttpResponse, Method};
use crate::core::kv::KeyValue;
use crate::core::org::OrgName;
use crate::core::store::org_registry::{self, Backfilled, OrgSummary};
use crate::core::token::{kv_key, TokenRecord};
use serde_json::{json, Value};

/// KV reads one backfill pass makes at most (each new org's token record).
const BACKFILL_READS: usize = 100;
const KV_ORG_PREFIX: &str = "org:";

/// `GET /admin/orgs?q=&after=`: one page of registered orgs, by name.
pub(crate) async fn org_collection<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
) -> Result<HttpResponse, Failure> {
    if ctx.request.method != Method::Get {
        return Ok(admin::method_not_allowed(ctx.request.method, "GET"));
    }
    let search = query_param(ctx, "q");
    let after = query_param(ctx, "after");
    let mut page = ctx.run(org_registry::list(&search, &after)).await?;
    // Orgs on other shards: their counts and activity come from their own shard, one batch
    // per shard on the page.
    for (index, shard) in ctx.runtime.shards.shards().iter().enumerate().skip(1) {
        let here: Vec<usize> = (0..page.items.len())
            .filter(|&i| page.items[i].shard.as_deref() == Some(shard.name.as_str()))
            .collect();
        if here.is_empty() {
            continue;
        }
        let orgs: Vec<String> = here.iter().map(|&i| page.items[i].org.clone()).collect();
        let activity = ctx
            .run_replica_on(index, org_registry::activity(&orgs))
            .await?;
        for (i, activity) in here.into_iter().zip(activity) {
            page.items[i].activity = activity;
        }
    }
    let orgs: Vec<Value> = page.items.iter().map(org_json).collect();
    Ok(ok_json(200, json!({"orgs": orgs, "next": page.next})))
}

/// The JSON of one listed org.
fn org_json(org: &OrgSummary) -> Value {
    json!({
        "org": org.org,
        "created": org.created,
        "shard": org.shard,
        "users": org.activity.users,
        "groups": org.activity.groups,
        "token": org.token.as_ref().map(|token| json!({
            "created": token.created,
            "last4": token.last4,
        })),
        "lastActivity": org.activity.last_activity,
    })
}

/// `POST /admin/orgs/{org}`: creates an org: registers it and issues its first token (shown
/// once, as `POST …/token` does). An org that is registered or already has a token is a 409.
pub(crate) async fn create_org<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let in_registry = ctx.run(org_registry::exists(org.as_str())).await?;
    if in_registry || ctx.runtime.kv.get(&kv_key(org.as_str())).await?.is_some() {
        return Err(ScimError::new(
            409,
            Some(crate::core::error::ScimType::Uniqueness),
            format!("Org {org} already exists; open it to rotate its token."),
        )
        .into());
    }
    create_token(ctx, org).await
}

/// `POST /admin/backfill` with an optional `{"cursor": "..."}`: one bounded pass over the
/// `org:` keys of KV that registers orgs the registry lacks, with their token's metadata.
/// Answers `{"added", "cursor", "complete"}`; repeat with the cursor until `complete`.
pub(super) async fn backfill<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
) -> Result<HttpResponse, Failure> {
    let cursor = if ctx.request.body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        ctx.request
            .json_body()?
            .get("cursor")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (keys, next) = ctx
        .runtime
        .kv
        .list_keys(KV_ORG_PREFIX, cursor.as_deref())
        .await?;
    let names: Vec<String> = keys
        .iter()
        .filter_map(|k| k.strip_prefix(KV_ORG_PREFIX))
        .filter(|name| OrgName::parse(name).is_some())
        .map(str::to_owned)
        .collect();
    let known: Vec<String> = if names.is_empty() {
        Vec::new()
    } else {
        ctx.run(org_registry::known(&names)).await?
    };
    let missing: Vec<&String> = names.iter().filter(|n| !known.contains(n)).collect();
    let this_pass = &missing[..missing.len().min(BACKFILL_READS)];
    let mut added = Vec::with_capacity(this_pass.len());
    for org in this_pass {
        let record = ctx.runtime.kv.get(&kv_key(org)).await?;
        let record = record.and_then(|raw| serde_json::from_str::<TokenRecord>(&raw).ok());
        // `make token` writes the shard into KV only; the registry learns it here.
        let shard = record.as_ref().and_then(|r| r.shard.clone());
        let token = record.map(|r| (r.created, r.last4));
        added.push(Backfilled {
            org: (*org).clone(),
            token,
            shard,
        });
    }
    if !added.is_empty() {
        ctx.run(org_registry::insert_backfilled(
            &added,
            &format_timestamp(ctx.now_ms()),
        ))
        .await?;
    }
    // Orgs of this page left for the next pass: list the same page again.
    let resume = if missing.len() > this_pass.len() {
        cursor
    } else {
        next
    };
    let complete = resume.is_none() && missing.len() == this_pass.len();
    ctx.note(format!("console: backfill added {} orgs", added.len()));
    Ok(ok_json(
        200,
        json!({"added": added.len(), "cursor": resume, "complete": complete}),
    ))
}
