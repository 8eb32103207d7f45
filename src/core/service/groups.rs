//! `/Groups` and `/Groups/{id}` (RFC 7644 §3.3–§3.6). Membership is stored as rows and changed
//! row by row; reading a group without `members` never touches the membership table.

use super::context::{Ctx, Failure};
use super::group_output::{group_body, group_response};
use super::resource_meta::{delete_resource, not_modified, not_modified_response, Precondition};
use crate::core::clock::format_timestamp;
use crate::core::db::{Database, Row, Statement};
use crate::core::error::ScimError;
use crate::core::http::HttpResponse;
use crate::core::patch::{apply_group_patch, member_ops_of, parse_patch_request, MemberOp};
use crate::core::resource::{check_immutable, parse_group_body, Member};
use crate::core::schema::ResourceType;
use crate::core::store::groups::{self, GroupColumns, StoredGroup, VersionCheck};
use crate::core::store::{etag, new_id, new_version, rows};
use crate::core::store::{update_outcome, UpdateOutcome};
use serde_json::Value;

/// How often a group write that lost a race is retried (see `users::MAX_WRITE_ATTEMPTS`). Only
/// writes that change `displayName`/`externalId` or carry `If-Match` can lose one: membership
/// changes alone commute and never conflict.
const MAX_WRITE_ATTEMPTS: usize = 64;

fn not_found(id: &str) -> Failure {
    ScimError::not_found(format!("Group {id} not found.")).into()
}

fn taken(name: &str) -> Failure {
    ScimError::uniqueness(format!("Group with displayName {name} already exists.")).into()
}

/// The statements that find member problems before a write: ids that are not in the org, and
/// whether adding the given groups would create a cycle. `group_id` is `None` for a new group.
fn validation_statements(
    org: &str,
    group_id: Option<&str>,
    added: &[&Member],
) -> (Vec<Statement>, usize) {
    let ids: Vec<&str> = added.iter().map(|m| m.value.as_str()).collect();
    let mut statements = groups::select_unknown_members(org, &ids);
    let unknown_count = statements.len();
    if let Some(group_id) = group_id {
        statements.push(groups::select_would_cycle(org, group_id, &ids));
    }
    (statements, unknown_count)
}

/// Reads validation results: 400 invalidValue naming unknown ids, or refusing a cycle.
fn check_validation(
    results: &[crate::core::db::StatementResult],
    unknown_count: usize,
) -> Result<(), Failure> {
    let unknown: Vec<String> = results[..unknown_count.min(results.len())]
        .iter()
        .flat_map(|r| r.rows.iter().filter_map(|row| rows::text(row, "id")))
        .collect();
    if !unknown.is_empty() {
        return Err(ScimError::invalid_value(format!(
            "Cannot add invalid members to the group. Invalid member ids: {}",
            unknown.join(", ")
        ))
        .into());
    }
    let cycle = results
        .get(unknown_count)
        .and_then(|r| r.rows.first())
        .and_then(|row| rows::int(row, "cycle"))
        .unwrap_or(0);
    if cycle != 0 {
        return Err(ScimError::invalid_value(
            "Adding these members would make the group a member of itself (a cycle).",
        )
        .into());
    }
    Ok(())
}

/// POST /Groups: 201 with the group (members included when sent).
pub(crate) async fn create<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let parsed = parse_group_body(body)?;
    let cols = GroupColumns::from_doc(&parsed.doc)?;
    let members = parsed.members.unwrap_or_default();
    if !members.is_empty() {
        let refs: Vec<&Member> = members.iter().collect();
        let (statements, unknown_count) = validation_statements(&ctx.org, None, &refs);
        check_validation(&ctx.batch(statements).await?, unknown_count)?;
    }
    let id = new_id()?;
    let version = new_version()?;
    let now = format_timestamp(ctx.now_ms());
    let mut statements = groups::insert(&ctx.org, &id, &cols, &now, version, &members);
    let with_members = ctx.wants(ResourceType::Group, "members");
    if with_members {
        statements.push(groups::select_members(&ctx.org, &id));
    }
    let results = ctx.batch(statements).await?;
    if results.first().map_or(0, |r| r.changes) == 0 {
        return Err(taken(&cols.display_name));
    }
    let stored = StoredGroup {
        id,
        doc: parsed.doc,
        created: now.clone(),
        last_modified: now,
        version,
    };
    let member_rows = if with_members {
        results.last().map(|r| r.rows.as_slice())
    } else {
        None
    };
    let location = super::resource_meta::location(ctx, ResourceType::Group, &stored.id);
    Ok(group_response(
        201,
        group_body(ctx, &stored, member_rows)?,
        version,
        Some(&location),
    ))
}

/// Reads a group, and its member rows when `with_members`: one round trip.
async fn read<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    with_members: bool,
) -> Result<(StoredGroup, Option<Vec<Row>>), Failure> {
    let mut statements = vec![groups::select_by_id(&ctx.org, id)];
    if with_members {
        statements.push(groups::select_members(&ctx.org, id));
    }
    let mut results = ctx.batch(statements).await?;
    let group = results
        .first()
        .and_then(|r| r.rows.first())
        .and_then(groups::decode)
        .ok_or_else(|| not_found(id))?;
    let members = if with_members {
        results.pop().map(|r| r.rows)
    } else {
        None
    };
    Ok((group, members))
}

/// GET /Groups/{id}; with `excludedAttributes=members` the membership table is not read.
pub(crate) async fn get<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
) -> Result<HttpResponse, Failure> {
    let (group, members) = read(ctx, id, ctx.wants(ResourceType::Group, "members")).await?;
    if not_modified(ctx.request, group.version) {
        return Ok(not_modified_response(group.version));
    }
    Ok(group_response(
        200,
        group_body(ctx, &group, members.as_deref())?,
        group.version,
        None,
    ))
}

/// PUT /Groups/{id} (RFC 7644 §3.5.1): replaces displayName/externalId, and the member list
/// when the body has `members` (an absent `members` is "not asserted" and kept).
pub(crate) async fn replace<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let parsed = parse_group_body(body)?;
    let member_ops: Vec<MemberOp> = parsed
        .members
        .map(|m| vec![MemberOp::ReplaceAll(m)])
        .unwrap_or_default();
    let doc = parsed.doc;
    let written = write(ctx, id, &member_ops, |old| {
        check_immutable(ResourceType::Group, old, &doc)?;
        Ok(doc.clone())
    })
    .await?;
    respond_after_write(ctx, id, written, true).await
}

/// PATCH /Groups/{id} (RFC 7644 §3.5.2): 204, or 200 with the group when the request names
/// `attributes` (as Entra's and Okta's clients accept either).
pub(crate) async fn patch<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let operations = parse_patch_request(body)?;
    let member_ops = member_ops_of(&operations)?;
    let written = write(ctx, id, &member_ops, |old| {
        Ok(apply_group_patch(old, &operations)?.doc)
    })
    .await?;
    let wants_body = crate::core::http::query_pairs(&ctx.request.query)
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("attributes"));
    respond_after_write(ctx, id, written, wants_body).await
}

/// What a successful write leaves for the response.
struct Written {
    group: StoredGroup,
}

async fn respond_after_write<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    written: Written,
    with_body: bool,
) -> Result<HttpResponse, Failure> {
    if !with_body {
        return Ok(HttpResponse::empty(204).with_header("etag", etag(written.group.version)));
    }
    let members = if ctx.wants(ResourceType::Group, "members") {
        let results = ctx
            .batch(vec![groups::select_members(&ctx.org, id)])
            .await?;
        results.into_iter().next().map(|r| r.rows)
    } else {
        None
    };
    Ok(group_response(
        200,
        group_body(ctx, &written.group, members.as_deref())?,
        written.group.version,
        None,
    ))
}

/// The ids a set of membership changes adds (validated before the write).
fn added_members(member_ops: &[MemberOp]) -> Vec<&Member> {
    member_ops
        .iter()
        .flat_map(|op| match op {
            MemberOp::Add(m) | MemberOp::ReplaceAll(m) => m.iter().collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect()
}

/// Read, change, and write; retried on a lost race. `member_ops` come from the request alone,
/// so the members they add are validated in the same round trip that reads the group: a write
/// costs two round trips whatever it changes.
async fn write<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    member_ops: &[MemberOp],
    change: impl Fn(&Value) -> Result<Value, Failure>,
) -> Result<Written, Failure> {
    let precondition = Precondition::from_request(ctx.request);
    let added = added_members(member_ops);
    for _ in 0..MAX_WRITE_ATTEMPTS {
        let mut statements = vec![groups::select_by_id(&ctx.org, id)];
        let (validation, unknown_count) = if added.is_empty() {
            (Vec::new(), 0)
        } else {
            validation_statements(&ctx.org, Some(id), &added)
        };
        statements.extend(validation);
        let results = ctx.batch(statements).await?;
        let old = results
            .first()
            .and_then(|r| r.rows.first())
            .and_then(groups::decode)
            .ok_or_else(|| not_found(id))?;
        precondition.check(old.version)?;
        if !added.is_empty() {
            check_validation(&results[1..], unknown_count)?;
        }
        let doc = change(&old.doc)?;
        let doc_changed = doc != old.doc;
        let cols = GroupColumns::from_doc(&doc)?;
        let check = if doc_changed || precondition.is_conditional() {
            VersionCheck::Exact(old.version)
        } else {
            VersionCheck::Any
        };
        let version = new_version()?;
        let now = format_timestamp(ctx.now_ms());
        let mut statements = vec![groups::update_row(
            &ctx.org,
            id,
            doc_changed.then_some(&cols),
            &now,
            check,
            version,
        )];
        for op in member_ops {
            statements.extend(member_statements(&ctx.org, id, version, op));
        }
        statements.push(groups::outcome(
            &ctx.org,
            id,
            Some(cols.display_name.to_lowercase()),
        ));
        let results = ctx.batch(statements).await?;
        match update_outcome(results.last().and_then(|r| r.rows.first()), version) {
            UpdateOutcome::Applied => {
                let group = StoredGroup {
                    id: id.to_owned(),
                    doc,
                    created: old.created,
                    last_modified: now,
                    version,
                };
                return Ok(Written { group });
            }
            UpdateOutcome::NameTaken => return Err(taken(&cols.display_name)),
            UpdateOutcome::Gone => return Err(not_found(id)),
            UpdateOutcome::VersionConflict if precondition.is_conditional() => {
                return Err(ScimError::precondition_failed().into())
            }
            UpdateOutcome::VersionConflict => continue,
        }
    }
    Err(ScimError::new(
        409,
        None,
        "The group is being changed by other requests; retry.",
    )
    .into())
}

fn member_statements(org: &str, id: &str, version: i64, op: &MemberOp) -> Vec<Statement> {
    match op {
        MemberOp::Add(members) => {
            let ids: Vec<&str> = members.iter().map(|m| m.value.as_str()).collect();
            groups::add_members(org, id, version, &ids)
        }
        MemberOp::Remove(ids) => {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            groups::remove_members(org, id, version, &ids)
        }
        MemberOp::RemoveAll => vec![groups::remove_all_members(org, id, version)],
        MemberOp::ReplaceAll(members) => {
            let ids: Vec<&str> = members.iter().map(|m| m.value.as_str()).collect();
            let mut statements = vec![groups::remove_all_members(org, id, version)];
            statements.extend(groups::add_members(org, id, version, &ids));
            statements
        }
    }
}

/// DELETE /Groups/{id}: 204; its membership rows go with it.
pub(crate) async fn delete<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
) -> Result<HttpResponse, Failure> {
    let statements = |if_version| groups::delete(&ctx.org, id, if_version);
    delete_resource(ctx, statements, groups::DELETE_AT, || not_found(id)).await
}
