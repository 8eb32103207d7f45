//! The write skeleton users and groups share (RFC 7644 §3.3, §3.5, §3.6, §3.14): create,
//! read-change-write with optimistic concurrency and retry, and delete under `If-Match`.
//! Each runs store plans (`Ctx::run`) and matches their typed outcomes; the resource-specific
//! parts (which plan, how the document changes) come in as arguments.
//!
//! A write costs at most two round trips: the read (with any member checks) and one batch
//! holding the write, its side effects and the outcome. Creates and deletes cost one.

use super::change_events;
use super::context::{Ctx, Failure};
use super::render::resource_response;
use crate::core::clock::format_timestamp;
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::http::HttpResponse;
use crate::core::schema::ResourceType;
use crate::core::store::members::MemberCheck;
use crate::core::store::plan::Plan;
use crate::core::store::precondition::IfMatch;
use crate::core::store::resource::{CreateOutcome, DeleteOutcome, Stored, UpdateOutcome};
use crate::core::store::{new_version, WriteStamp};
use serde_json::Value;

/// How often a write that lost a race is retried before answering 409. Every round of a race
/// has a winner, so with N writers on one resource the last one needs N attempts: the bound
/// is the concurrency we promise to absorb (32 writers on one user, tests/e2e/concurrency.rs).
/// A user's retry costs one round trip (the losing batch already read the winner's row).
const MAX_WRITE_ATTEMPTS: usize = 64;

pub(crate) fn not_found(rt: ResourceType, id: &str) -> Failure {
    ScimError::not_found(format!("{} {id} not found.", rt.name())).into()
}

/// The attribute that is unique per org (case-insensitively): userName, Group displayName.
fn unique_attribute(rt: ResourceType) -> &'static str {
    match rt {
        ResourceType::User => "userName",
        ResourceType::Group => "displayName",
    }
}

fn taken(rt: ResourceType, doc: &Value) -> Failure {
    let attribute = unique_attribute(rt);
    let name = doc.get(attribute).and_then(Value::as_str).unwrap_or("");
    ScimError::uniqueness(format!(
        "{} with {attribute} {name} already exists.",
        rt.name()
    ))
    .into()
}

/// RFC 7644 §3.3: 201 with the resource, `Location` and `ETag`; the unique name already used
/// in the org (in any case) is 409 `uniqueness`. `doc` is the document being created.
pub(crate) async fn create<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    rt: ResourceType,
    doc: &Value,
    plan: Plan<CreateOutcome>,
) -> Result<HttpResponse, Failure> {
    // The create's stamp time: `WriteStamp::new` formats the same request clock.
    let now = format_timestamp(ctx.now_ms());
    let plan = change_events::on_create(ctx, rt, doc, &now, plan);
    match ctx.run(plan).await? {
        CreateOutcome::Created(stored) => {
            ctx.wake_deliveries(ctx.org());
            resource_response(ctx, 201, &stored)
        }
        CreateOutcome::NameTaken => Err(taken(rt, doc)),
    }
}

/// Refuses members that are not in the org, or that would make a group contain itself.
pub(crate) fn check_members(check: MemberCheck) -> Result<(), Failure> {
    match check {
        MemberCheck::Valid => Ok(()),
        MemberCheck::Unknown(ids) => Err(ScimError::invalid_value(format!(
            "Cannot add invalid members to the group. Invalid member ids: {}",
            ids.join(", ")
        ))
        .into()),
        MemberCheck::Cycle => Err(ScimError::invalid_value(
            "Adding these members would make the group a member of itself (a cycle).",
        )
        .into()),
    }
}

/// Read, change and write conditionally on the version read; on a lost race, again (from the
/// row the losing batch read, or by reading again). `read` reads the resource and checks the
/// members the request adds; `change` computes the new document from the old; `plan` builds
/// the write. `If-Match` (RFC 7644 §3.14) is checked against the version read, and a lost
/// race under it is 412 rather than a retry.
pub(crate) async fn update<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    rt: ResourceType,
    id: &str,
    read: impl Fn() -> Plan<(Option<Stored>, MemberCheck)>,
    change: impl Fn(&Value) -> Result<Value, Failure>,
    plan: impl Fn(&Stored, Value, &WriteStamp, &IfMatch) -> Result<Plan<UpdateOutcome>, ScimError>,
) -> Result<Stored, Failure> {
    let if_match = IfMatch::parse(ctx.request.header("if-match"));
    let mut next: Option<Stored> = None;
    for _ in 0..MAX_WRITE_ATTEMPTS {
        let old = match next.take() {
            Some(old) => old,
            None => {
                let (found, check) = ctx.run(read()).await?;
                let old = found.ok_or_else(|| not_found(rt, id))?;
                if !if_match.admits(old.version) {
                    return Err(ScimError::precondition_failed().into());
                }
                check_members(check)?;
                old
            }
        };
        if !if_match.admits(old.version) {
            return Err(ScimError::precondition_failed().into());
        }
        let doc = change(&old.doc)?;
        let stamp = WriteStamp::new(ctx.now_ms())?;
        let refused = taken(rt, &doc);
        let write = plan(&old, doc.clone(), &stamp, &if_match)?;
        let (write, event) = change_events::on_update(ctx, &old, &doc, &stamp, write);
        match ctx.run(write).await? {
            UpdateOutcome::Updated(stored) => {
                // Membership changes record their own events in the store's plan.
                if event || rt == ResourceType::Group {
                    ctx.wake_deliveries(ctx.org());
                }
                return Ok(stored);
            }
            UpdateOutcome::NameTaken => return Err(refused),
            UpdateOutcome::NotFound => return Err(not_found(rt, id)),
            UpdateOutcome::VersionMismatch(_) if if_match.is_conditional() => {
                return Err(ScimError::precondition_failed().into())
            }
            // Someone else wrote first: start again from what they wrote.
            UpdateOutcome::VersionMismatch(current) => next = current,
        }
    }
    Err(ScimError::new(
        409,
        None,
        format!(
            "The {} is being changed by other requests; retry.",
            rt.name().to_lowercase()
        ),
    )
    .into())
}

/// RFC 7644 §3.6: 204; 404 when there is nothing to delete; 412 when `If-Match` names none
/// of the resource's versions. One round trip: `plan` decides in its own batch.
pub(crate) async fn delete<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    rt: ResourceType,
    id: &str,
    plan: impl FnOnce(&IfMatch, i64) -> Plan<DeleteOutcome>,
) -> Result<HttpResponse, Failure> {
    let if_match = IfMatch::parse(ctx.request.header("if-match"));
    let now = format_timestamp(ctx.now_ms());
    let plan = change_events::on_delete(rt, &now, plan(&if_match, new_version()?));
    match ctx.run(plan).await? {
        DeleteOutcome::Deleted => {
            ctx.wake_deliveries(ctx.org());
            Ok(HttpResponse::empty(204))
        }
        DeleteOutcome::NotFound => Err(not_found(rt, id)),
        DeleteOutcome::VersionMismatch => Err(ScimError::precondition_failed().into()),
    }
}
