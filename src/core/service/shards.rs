//! Orgs over many D1 databases (docs/scaling.md): placing a new org, keeping the org record
//! (KV) and the registry (control shard) in step, and the admin operations that carry an
//! org's rows between shards and files — export, import and an online move.
//!
//! A move keeps the org whole on exactly one shard at every step:
//! 1. the target shard's leftovers of the org (from an earlier interrupted move) are purged;
//! 2. the source shard locks the org (`org_locks`): its triggers refuse every write there,
//!    which SCIM answers 503 + Retry-After, while reads keep being served from the source;
//! 3. the rows are copied page by page and the copy is counted against the source;
//! 4. the registry and then the KV record flip to the target (`moved_from` = the source);
//! 5. the source copy is purged under the lock (left as a tombstone that refuses the writes
//!    of requests still routed by a stale record) and `moved_from` is cleared.
//!
//! Interrupted before 4, the org is whole on the source (writes paused until the move is run
//! again or cancelled with `{"to": <current shard>}`); after 4, whole on the target, and
//! running the move again finishes the purge.

use super::admin::{ok_json, read_record, PURGE_LIMITS};
use super::context::{Ctx, Failure};
use crate::core::db::{Database, Row};
use crate::core::error::ScimError;
use crate::core::http::HttpResponse;
use crate::core::kv::KeyValue;
use crate::core::org::OrgName;
use crate::core::shard::{Placement, ShardConfig};
use crate::core::store::org_lock::{self, LockState};
use crate::core::store::org_rows::{self, TABLES};
use crate::core::store::plan::Plan;
use crate::core::store::registry;
use crate::core::token::{kv_key, TokenRecord};
use serde_json::{json, Map, Value};

/// Rows read per query when exporting or copying: a few hundred KiB per page.
const PAGE_ROWS: usize = 500;
/// Purge batches a move runs on the old copy before it reports `purged: false`.
const MAX_PURGE_ROUNDS: usize = 20;
/// The first line of an export names the format.
const EXPORT_FORMAT: &str = "scim-edge-export";
const EXPORT_VERSION: u64 = 1;
/// Largest move request body (`{"to": "...", "purge": false}`).
const MAX_MOVE_BODY_BYTES: usize = 1024;

/// The name of the shard holding the org of `record`.
pub(crate) fn shard_name<'a>(config: &'a ShardConfig, record: &'a TokenRecord) -> &'a str {
    record
        .shard
        .as_deref()
        .unwrap_or(config.control().name.as_str())
}

/// The org already has a record: its token is replaced where it lives. Naming another shard
/// (or a label its shard lacks) is a conflict: data moves only with `/move`.
pub(crate) fn keep_shard<D, K>(
    ctx: &Ctx<'_, D, K>,
    record: &TokenRecord,
    placement: &Placement,
) -> Result<String, Failure> {
    let config = ctx.runtime.shards;
    let current = shard_name(config, record).to_owned();
    let index = ctx.shard_index(Some(&current))?;
    if !config.eligible(placement).contains(&index) {
        return Err(ScimError::new(
            409,
            None,
            format!(
                "This org lives on shard '{current}', which the requested placement excludes. \
                 Move it with POST /admin/orgs/{{org}}/move {{\"to\": \"<shard>\"}}."
            ),
        )
        .into());
    }
    Ok(current)
}

/// A new org's shard: the eligible shard with the fewest orgs in the registry.
pub(crate) async fn place<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    placement: &Placement,
) -> Result<String, Failure> {
    let config = ctx.runtime.shards;
    if config.eligible(placement).is_empty() {
        let what = match placement {
            Placement::Shard(name) => format!("no shard is named '{name}'"),
            Placement::Label(label) => format!("no shard has the label '{label}'"),
            Placement::Any => "no shard is configured".to_owned(),
        };
        let names: Vec<&str> = config.shards().iter().map(|s| s.name.as_str()).collect();
        return Err(ScimError::invalid_value(format!(
            "Cannot place {org}: {what} (shards: {}).",
            names.join(", ")
        ))
        .into());
    }
    let counted = ctx
        .run_on(0, registry::load(&config.control().name))
        .await?;
    let load: Vec<u64> = config
        .shards()
        .iter()
        .map(|s| {
            counted
                .iter()
                .find(|(name, _)| name == &s.name)
                .map_or(0, |(_, n)| *n)
        })
        .collect();
    let index = config
        .place(placement, &load)
        .ok_or_else(|| Failure::Internal("placement found no eligible shard".into()))?;
    Ok(config.shards()[index].name.clone())
}

/// Writes the org record to KV and forgets this isolate's cached copy. The registry's shard
/// column is written by the caller, in its own batch (`registry::record`).
pub(crate) async fn write_record<D, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    record: &TokenRecord,
) -> Result<(), Failure> {
    let stored = serde_json::to_string(record)
        .map_err(|e| Failure::Internal(format!("token record: {e}")))?;
    ctx.runtime.kv.put(&kv_key(org.as_str()), &stored).await?;
    if let Some(cache) = ctx.runtime.token_cache {
        cache.forget(org.as_str());
    }
    Ok(())
}

/// Lifts the org's move lock on a shard.
pub(crate) fn unlock(org: &str) -> Plan<()> {
    Plan::single(org_lock::unlock(org), |_| Ok(()))
}

/// The org's record, or 404: export, import and move need an org that exists.
async fn existing_record<D, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<TokenRecord, Failure> {
    match read_record(ctx, org).await? {
        Some(Ok(record)) => Ok(record),
        Some(Err(())) => Err(Failure::Internal(format!(
            "the token record of {org} is unreadable; POST a new token to replace it"
        ))),
        None => Err(ScimError::not_found(format!(
            "Org {org} does not exist: create it with POST /admin/orgs/{org}/token first."
        ))
        .into()),
    }
}

/// Every row of the org on shard `shard`, table by table, page by page, handed to `each`.
async fn for_each_page<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    shard: usize,
    org: &str,
    mut each: impl FnMut(&'static str, Vec<Row>) -> Result<Option<Plan<()>>, Failure>,
    target: Option<usize>,
) -> Result<(), Failure> {
    for table in &TABLES {
        let mut after: Option<Row> = None;
        loop {
            let plan = table
                .page(org, after.as_ref(), PAGE_ROWS)
                .map_err(Failure::Internal)?;
            // An export may read a replica (one session: its pages never go back in time); a
            // move reads the primary, under its lock.
            let page = match target {
                None => ctx.run_replica_on(shard, plan).await?,
                Some(_) => ctx.run_on(shard, plan).await?,
            };
            let full = page.len() == PAGE_ROWS;
            after = page.last().cloned();
            if let Some(write) = each(table.name, page)? {
                if let Some(target) = target {
                    ctx.run_on(target, write).await?;
                }
            }
            if !full {
                break;
            }
        }
    }
    Ok(())
}

/// `GET /admin/orgs/{org}/export`: the org as NDJSON. Line 1 names the format, the org and
/// its shard; then one `{"table": ..., "row": {...}}` per stored row (users, emails, groups,
/// memberships, counts), read `PAGE_ROWS` at a time in key order; the last line,
/// `{"end": {"rows": {...}}}`, counts the rows per table, so a cut-off file is recognised.
pub(crate) async fn export<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let record = existing_record(ctx, org).await?;
    let shard_label = shard_name(ctx.runtime.shards, &record).to_owned();
    let shard = ctx.shard_index(Some(&shard_label))?;
    let mut out = String::new();
    out.push_str(
        &json!({
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "org": org.as_str(),
            "shard": shard_label,
        })
        .to_string(),
    );
    out.push('\n');
    let mut rows = Map::new();
    for_each_page(
        ctx,
        shard,
        org.as_str(),
        |table, page| {
            let n = rows.entry(table).or_insert(Value::from(0u64));
            *n = Value::from(n.as_u64().unwrap_or(0) + page.len() as u64);
            for row in page {
                out.push_str(&json!({"table": table, "row": row}).to_string());
                out.push('\n');
            }
            Ok(None)
        },
        None,
    )
    .await?;
    out.push_str(&json!({"end": {"rows": rows}}).to_string());
    out.push('\n');
    ctx.note(format!("admin: exported {org} from shard {shard_label}"));
    Ok(HttpResponse {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/x-ndjson".into()),
            ("cache-control".into(), "no-store".into()),
        ],
        body: Some(out),
    })
}

/// An export file, checked: every line parsed, the table known, the end line's counts met.
fn parse_export(body: &[u8]) -> Result<Vec<(&'static str, Vec<Row>)>, ScimError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ScimError::invalid_syntax("The export file is not valid UTF-8."))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let bad = |n: usize, why: &str| ScimError::invalid_syntax(format!("Line {}: {why}", n + 1));
    let (n, first) = lines
        .next()
        .ok_or_else(|| ScimError::invalid_syntax("The export file is empty."))?;
    let header: Value = serde_json::from_str(first).map_err(|_| bad(n, "not a JSON object"))?;
    if header["format"] != EXPORT_FORMAT || header["version"] != EXPORT_VERSION {
        return Err(bad(
            n,
            "not a scim-edge export (expected {\"format\": \"scim-edge-export\", \"version\": 1})",
        ));
    }
    let mut tables: Vec<(&'static str, Vec<Row>)> =
        TABLES.iter().map(|t| (t.name, Vec::new())).collect();
    let mut end: Option<Map<String, Value>> = None;
    for (n, line) in lines {
        if end.is_some() {
            return Err(bad(n, "a line after the end line"));
        }
        let Value::Object(mut object) =
            serde_json::from_str::<Value>(line).map_err(|_| bad(n, "not a JSON object"))?
        else {
            return Err(bad(n, "not a JSON object"));
        };
        if let Some(Value::Object(e)) = object.remove("end") {
            let Some(Value::Object(rows)) = e.get("rows").cloned() else {
                return Err(bad(n, "the end line has no row counts"));
            };
            end = Some(rows);
            continue;
        }
        let table = object.get("table").and_then(Value::as_str).unwrap_or("");
        let Some(slot) = tables.iter_mut().find(|(name, _)| *name == table) else {
            return Err(bad(n, &format!("unknown table '{table}'")));
        };
        let Some(Value::Object(row)) = object.remove("row") else {
            return Err(bad(n, "no row object"));
        };
        slot.1.push(row);
    }
    let end = end.ok_or_else(|| {
        ScimError::invalid_syntax("The export file has no end line: it was cut off.")
    })?;
    for (name, rows) in &tables {
        let expected = end.get(*name).and_then(Value::as_u64).unwrap_or(0);
        if expected != rows.len() as u64 {
            return Err(ScimError::invalid_syntax(format!(
                "The export file holds {} {name} rows but its end line counts {expected}.",
                rows.len()
            )));
        }
    }
    Ok(tables)
}

/// `POST /admin/orgs/{org}/import`: loads an export into the org, which must exist (it has a
/// token) and hold no data. Rows are written as exported (ids, versions, timestamps), so the
/// org answers the same SCIM GETs as the one exported. A failed import removes what it wrote.
pub(crate) async fn import<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let record = existing_record(ctx, org).await?;
    let shard_label = shard_name(ctx.runtime.shards, &record).to_owned();
    let shard = ctx.shard_index(Some(&shard_label))?;
    let tables = parse_export(&ctx.request.body)?;
    if !ctx.run_on(shard, org_rows::is_empty(org.as_str())).await? {
        return Err(ScimError::new(
            409,
            None,
            format!("Org {org} already holds data: import only into an empty org (DELETE /admin/orgs/{org} empties it, and revokes its token)."),
        )
        .into());
    }
    let mut imported = Map::new();
    let written = async {
        for (name, rows) in &tables {
            let spec = org_rows::spec(name).expect("parse_export only keeps known tables");
            for page in rows.chunks(PAGE_ROWS) {
                let statements = spec
                    .insert(org.as_str(), page)
                    .map_err(|why| Failure::Scim(ScimError::invalid_value(why)))?;
                ctx.run_on(shard, statements_plan(statements)).await?;
            }
            imported.insert((*name).to_owned(), Value::from(rows.len() as u64));
        }
        Ok::<(), Failure>(())
    }
    .await;
    if let Err(failure) = written {
        // Leave the org empty, as it was.
        purge_everything(ctx, shard, org.as_str()).await?;
        return Err(match failure {
            // A row the schema refuses (a NULL where a value is required, a duplicate key).
            Failure::Internal(message) if message.starts_with("d1:") => {
                ctx.note(message);
                ScimError::invalid_value(
                    "The export file holds a row the schema refuses; nothing was imported.",
                )
                .into()
            }
            other => other,
        });
    }
    ctx.note(format!("admin: imported {org} into shard {shard_label}"));
    Ok(ok_json(
        200,
        json!({"org": org.as_str(), "shard": shard_label, "imported": imported}),
    ))
}

fn statements_plan(statements: Vec<crate::core::db::Statement>) -> Plan<()> {
    let mut b = crate::core::store::plan::PlanBuilder::new();
    b.extend(statements);
    b.finish(|_| Ok(()))
}

/// The body of a move: `{"to": "<shard>"}`, optionally `"purge": false` to keep the old copy
/// (locked) until the move is run again.
fn move_body(body: &[u8]) -> Result<(String, bool), ScimError> {
    if body.len() > MAX_MOVE_BODY_BYTES {
        return Err(ScimError::payload_too_large(MAX_MOVE_BODY_BYTES));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ScimError::invalid_syntax("The request body is not valid UTF-8."))?;
    let Value::Object(body) = crate::core::json::parse_strict(text)? else {
        return Err(ScimError::invalid_syntax(
            "The request body must be a JSON object such as {\"to\": \"s2\"}.",
        ));
    };
    if let Some(unknown) = body.keys().find(|k| !matches!(k.as_str(), "to" | "purge")) {
        return Err(ScimError::invalid_value(format!(
            "Unknown member '{unknown}': this body has to and purge."
        )));
    }
    let to = body
        .get("to")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ScimError::invalid_value("to must name the target shard."))?;
    let purge = match body.get("purge") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ScimError::invalid_value("purge must be true or false.")),
    };
    Ok((to.to_owned(), purge))
}

/// Removes every row of the org on an unlocked shard (directory, log, delivery state); true
/// when nothing is left.
async fn purge_everything<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    shard: usize,
    org: &str,
) -> Result<bool, Failure> {
    for _ in 0..MAX_PURGE_ROUNDS {
        if !ctx
            .run_on(shard, org_rows::purge_round(org, PURGE_LIMITS.chunk))
            .await?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Purges a moved org's old copy under its lock; true when nothing is left.
async fn purge_old_copy<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    shard: usize,
    org: &str,
) -> Result<bool, Failure> {
    // The lock may still say 'moving' (interrupted just after the flip): 'moved' from now on.
    ctx.run_on(
        shard,
        org_lock::lock_plan(org, LockState::Moved, ctx.now_ms()),
    )
    .await?;
    for _ in 0..MAX_PURGE_ROUNDS {
        if !ctx
            .run_on(shard, org_lock::purge_locked_round(org, PURGE_LIMITS.chunk))
            .await?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// After the flip: purge the old copy (unless asked not to) and clear `moved_from` once it
/// is gone. Returns whether the old copy is gone.
async fn finish_move<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    record: &mut TokenRecord,
) -> Result<bool, Failure> {
    let Some(old) = record.moved_from.clone() else {
        return Ok(true);
    };
    let old_index = ctx.shard_index(Some(&old))?;
    if !purge_old_copy(ctx, old_index, org.as_str()).await? {
        return Ok(false);
    }
    record.moved_from = None;
    write_record(ctx, org, record).await?;
    Ok(true)
}

/// `POST /admin/orgs/{org}/move` with `{"to": "<shard>"}`: moves the org online (see the
/// module comment). `{"to": <the org's shard>}` finishes an earlier move's purge, or lifts a
/// lock an interrupted move left on it.
pub(crate) async fn move_org<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let (to, purge) = move_body(&ctx.request.body)?;
    let mut record = existing_record(ctx, org).await?;
    let from = shard_name(ctx.runtime.shards, &record).to_owned();
    let from_index = ctx.shard_index(Some(&from))?;
    let Some(to_index) = ctx.runtime.shards.index_of(&to) else {
        let names: Vec<&str> = ctx
            .runtime
            .shards
            .shards()
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        return Err(ScimError::invalid_value(format!(
            "No shard is named '{to}' (shards: {}).",
            names.join(", ")
        ))
        .into());
    };
    let org_name = org.as_str();
    if from_index == to_index {
        // Already there: lift a lock an interrupted move left, finish a pending purge.
        ctx.run_on(from_index, unlock(org_name)).await?;
        let purged = if purge {
            finish_move(ctx, org, &mut record).await?
        } else {
            record.moved_from.is_none()
        };
        return Ok(ok_json(
            200,
            json!({"org": org_name, "from": from, "to": to, "moved": false, "oldCopyPurged": purged}),
        ));
    }
    // An earlier move's old copy goes first, so at most one leftover ever exists.
    if !finish_move(ctx, org, &mut record).await? {
        return Err(ScimError::new(
            409,
            None,
            "The previous move's old copy is still being purged: run the same request again.",
        )
        .into());
    }
    // 1. The target holds nothing of the org and no lock.
    ctx.run_on(to_index, unlock(org_name)).await?;
    if !purge_everything(ctx, to_index, org_name).await? {
        return Err(ScimError::new(
            409,
            None,
            "The target shard still holds rows of this org from an interrupted move: run the same request again.",
        )
        .into());
    }
    // 2. Writes stop on the source.
    ctx.run_on(
        from_index,
        org_lock::lock_plan(org_name, LockState::Moving, ctx.now_ms()),
    )
    .await?;
    // 3. Copy, then count.
    let copied = async {
        for_each_page(
            ctx,
            from_index,
            org_name,
            |table, page| {
                if page.is_empty() {
                    return Ok(None);
                }
                let spec = org_rows::spec(table).expect("TABLES only");
                let statements = spec.insert(org_name, &page).map_err(Failure::Internal)?;
                Ok(Some(statements_plan(statements)))
            },
            Some(to_index),
        )
        .await?;
        let source = ctx.run_on(from_index, org_rows::counts(org_name)).await?;
        let target = ctx.run_on(to_index, org_rows::counts(org_name)).await?;
        if source != target {
            return Err(Failure::Internal(format!(
                "move copy of {org_name} does not match: source {source:?}, target {target:?}"
            )));
        }
        Ok(source)
    }
    .await;
    let counts = match copied {
        Ok(counts) => counts,
        Err(failure) => {
            // Back to the start: the target emptied, writes resumed on the source.
            purge_everything(ctx, to_index, org_name).await?;
            ctx.run_on(from_index, unlock(org_name)).await?;
            return Err(failure);
        }
    };
    // 4. The flip: registry, then the KV record every request reads.
    record.shard = Some(to.clone());
    record.moved_from = Some(from.clone());
    ctx.run_on(0, registry::record(org_name, &to, ctx.now_ms()))
        .await?;
    write_record(ctx, org, &record).await?;
    // 5. The old copy.
    let purged = if purge {
        finish_move(ctx, org, &mut record).await?
    } else {
        ctx.run_on(
            from_index,
            org_lock::lock_plan(org_name, LockState::Moved, ctx.now_ms()),
        )
        .await?;
        false
    };
    let copied: Map<String, Value> = TABLES
        .iter()
        .zip(counts)
        .map(|(t, n)| (t.name.to_owned(), Value::from(n)))
        .collect();
    ctx.note(format!(
        "admin: moved {org} from {from} to {to} (old copy purged: {purged})"
    ));
    Ok(ok_json(
        200,
        json!({
            "org": org_name,
            "from": from,
            "to": to,
            "moved": true,
            "copied": copied,
            "oldCopyPurged": purged,
        }),
    ))
}

/// Sends this request's plans to the org's shard, as named by its KV record (the control
/// shard for an org without one): for admin reads of one org's data (events, deliveries,
/// the console's directory pages).
pub(crate) async fn use_org_shard<D, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<(), Failure> {
    if let Some(Ok(record)) = read_record(ctx, org).await? {
        ctx.use_shard(record.shard.as_deref())?;
    }
    Ok(())
}

/// Runs a registry plan on the control shard and the org's own plan (its log) on the org's
/// shard: one batch when they are the same shard, else one each.
pub(crate) async fn control_and_org_batch<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    record: &TokenRecord,
    control: Plan<()>,
    org_plan: Plan<()>,
) -> Result<(), Failure> {
    let home = ctx.shard_index(Some(shard_name(ctx.runtime.shards, record)))?;
    if home == 0 {
        ctx.run_on(0, control.join(org_plan)).await?;
        return Ok(());
    }
    ctx.run_on(0, control).await?;
    ctx.run_on(home, org_plan).await
}
