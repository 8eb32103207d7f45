//! `/Users` and `/Users/{id}`: create, read, replace, patch, delete (RFC 7644 §3.3–§3.6).
//! Reads cost one D1 round trip and writes two (read, then one conditional batch); a write
//! that lost a race re-reads and retries, so concurrent writers never lose an update.

use super::context::{Ctx, Failure};
use super::resource_meta::{
    delete_resource, not_modified, not_modified_response, render, resource_response, MetaParts,
    Precondition,
};
use crate::core::clock::format_timestamp;
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::http::HttpResponse;
use crate::core::patch::{apply_user_patch, parse_patch_request};
use crate::core::resource::{check_immutable, parse_user_body};
use crate::core::schema::ResourceType;
use crate::core::store::users::{self, StoredUser, UserColumns};
use crate::core::store::{new_id, new_version};
use crate::core::store::{update_outcome, UpdateOutcome};
use serde_json::Value;

/// How often a write that lost a race is retried before answering 409. Every round of a race
/// has a winner, so with N writers on one user the last one needs N attempts: the bound is the
/// concurrency we promise to absorb (32 writers on one user, see tests/e2e/concurrency.rs).
/// A retry costs one round trip, as the losing batch already read the winner's row.
const MAX_WRITE_ATTEMPTS: usize = 64;

pub(crate) fn render_user<D, K>(ctx: &Ctx<'_, D, K>, user: &StoredUser) -> Value {
    let mut extra = Vec::new();
    if let Some(groups) = &user.groups {
        if !groups.is_empty() {
            extra.push(("groups", Value::Array(groups.clone())));
        }
    }
    let parts = MetaParts {
        id: &user.id,
        created: &user.created,
        last_modified: &user.last_modified,
        version: user.version,
    };
    render(ctx, ResourceType::User, &user.doc, &parts, extra)
}

fn not_found(id: &str) -> Failure {
    ScimError::not_found(format!("User {id} not found.")).into()
}

fn taken(user_name: &str) -> Failure {
    ScimError::uniqueness(format!("User with userName {user_name} already exists.")).into()
}

/// POST /Users (RFC 7644 §3.3): 201 with the resource, `Location` and `ETag`; a userName
/// already used in the org (in any case) is 409 `uniqueness`.
pub(crate) async fn create<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let parsed = parse_user_body(body)?;
    let cols = UserColumns::from_doc(&parsed.doc)?;
    let id = new_id()?;
    let version = new_version()?;
    let now = format_timestamp(ctx.now_ms());
    let results = ctx
        .batch(users::insert(&ctx.org, &id, &cols, &now, version))
        .await?;
    if results.first().map_or(0, |r| r.changes) == 0 {
        return Err(taken(&cols.user_name));
    }
    let stored = StoredUser {
        id,
        doc: parsed.doc,
        created: now.clone(),
        last_modified: now,
        version,
        groups: Some(Vec::new()),
    };
    Ok(resource_response(
        201,
        &ctx.project(ResourceType::User, render_user(ctx, &stored))?,
        version,
    ))
}

async fn read<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    with_groups: bool,
) -> Result<StoredUser, Failure> {
    let results = ctx
        .batch(vec![users::select_by_id(&ctx.org, id, with_groups)])
        .await?;
    results
        .first()
        .and_then(|r| r.rows.first())
        .and_then(users::decode)
        .ok_or_else(|| not_found(id))
}

/// GET /Users/{id} (RFC 7644 §3.4.1). A deactivated user is returned like any other.
pub(crate) async fn get<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
) -> Result<HttpResponse, Failure> {
    let user = read(ctx, id, ctx.wants(ResourceType::User, "groups")).await?;
    if not_modified(ctx.request, user.version) {
        return Ok(not_modified_response(user.version));
    }
    Ok(resource_response(
        200,
        &ctx.project(ResourceType::User, render_user(ctx, &user))?,
        user.version,
    ))
}

/// PUT /Users/{id} (RFC 7644 §3.5.1): the body replaces every writable attribute.
pub(crate) async fn replace<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let parsed = parse_user_body(body)?;
    write(ctx, id, |old| {
        check_immutable(ResourceType::User, old, &parsed.doc)?;
        Ok(parsed.doc.clone())
    })
    .await
}

/// PATCH /Users/{id} (RFC 7644 §3.5.2): all operations apply, or none; 200 with the resource.
pub(crate) async fn patch<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let operations = parse_patch_request(body)?;
    write(ctx, id, |old| Ok(apply_user_patch(old, &operations)?.doc)).await
}

/// Read, change, and write conditionally on the version read; on a lost race, again.
async fn write<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    change: impl Fn(&Value) -> Result<Value, Failure>,
) -> Result<HttpResponse, Failure> {
    let precondition = Precondition::from_request(ctx.request);
    let with_groups = ctx.wants(ResourceType::User, "groups");
    let mut old = read(ctx, id, with_groups).await?;
    for _ in 0..MAX_WRITE_ATTEMPTS {
        precondition.check(old.version)?;
        let doc = change(&old.doc)?;
        let cols = UserColumns::from_doc(&doc)?;
        let version = new_version()?;
        let now = format_timestamp(ctx.now_ms());
        let results = ctx
            .batch(users::update(
                &ctx.org,
                id,
                &cols,
                &now,
                old.version,
                version,
                with_groups,
            ))
            .await?;
        let current = results.last().and_then(|r| r.rows.first());
        let outcome = update_outcome(current, version);
        match outcome {
            UpdateOutcome::Applied => {
                let stored = StoredUser {
                    id: id.to_owned(),
                    doc,
                    created: old.created,
                    last_modified: now,
                    version,
                    groups: old.groups,
                };
                return Ok(resource_response(
                    200,
                    &ctx.project(ResourceType::User, render_user(ctx, &stored))?,
                    version,
                ));
            }
            UpdateOutcome::NameTaken => return Err(taken(&cols.user_name)),
            UpdateOutcome::Gone => return Err(not_found(id)),
            UpdateOutcome::VersionConflict if precondition.is_conditional() => {
                return Err(ScimError::precondition_failed().into())
            }
            UpdateOutcome::VersionConflict => {
                // Someone else wrote first: start again from what they wrote.
                old = current
                    .and_then(users::decode)
                    .ok_or_else(|| not_found(id))?;
            }
        }
    }
    Err(ScimError::new(
        409,
        None,
        "The user is being changed by other requests; retry.",
    )
    .into())
}

/// DELETE /Users/{id} (RFC 7644 §3.6): 204; the user leaves every group.
pub(crate) async fn delete<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
) -> Result<HttpResponse, Failure> {
    let statements = |if_version| users::delete(&ctx.org, id, if_version);
    delete_resource(ctx, statements, users::DELETE_AT, || not_found(id)).await
}
