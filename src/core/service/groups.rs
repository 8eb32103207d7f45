//! `/Groups` and `/Groups/{id}` (RFC 7644 §3.3–§3.6). Membership is stored as rows and changed
//! row by row; reading a group without `members` never touches the membership table.

use super::context::{Ctx, Failure};
use super::render::{no_content, not_modified, not_modified_response, resource_response};
use super::write::{self, check_members, not_found};
use crate::core::db::Database;
use crate::core::http::HttpResponse;
use crate::core::patch::{apply_group_patch, member_ops_of, parse_patch_request, MemberOp};
use crate::core::resource::{check_immutable, parse_group_body, Member};
use crate::core::schema::ResourceType;
use crate::core::store::groups::{self, VersionCheck};
use crate::core::store::members::{self, MemberChange, MemberCheck};
use crate::core::store::precondition::IfMatch;
use crate::core::store::resource::Stored;
use crate::core::store::{new_id, WriteStamp};
use serde_json::Value;

const RT: ResourceType = ResourceType::Group;

/// POST /Groups: 201 with the group (members included when sent). Members are checked in a
/// first round trip only when there are some.
pub(crate) async fn create<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let parsed = parse_group_body(body)?;
    let initial = parsed.members.unwrap_or_default();
    if !initial.is_empty() {
        let added: Vec<&Member> = initial.iter().collect();
        check_members(ctx.run(members::check(ctx.org(), None, &added)).await?)?;
    }
    let stamp = WriteStamp::new(ctx.now_ms())?;
    let with_members = ctx.wants(RT, "members");
    let plan = groups::create(
        ctx.org(),
        &new_id()?,
        parsed.doc.clone(),
        &initial,
        &stamp,
        with_members,
    )?;
    write::create(ctx, RT, &parsed.doc, plan).await
}

/// GET /Groups/{id}; with `excludedAttributes=members` the membership table is not read.
pub(crate) async fn get<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
) -> Result<HttpResponse, Failure> {
    let plan = groups::read(ctx.org(), id, ctx.wants(RT, "members"));
    let group = ctx.run(plan).await?.ok_or_else(|| not_found(RT, id))?;
    if not_modified(ctx.request, group.version) {
        return Ok(not_modified_response(group.version));
    }
    resource_response(ctx, 200, &group)
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
    update(ctx, id, &member_ops, true, |old| {
        check_immutable(RT, old, &doc)?;
        Ok(doc.clone())
    })
    .await
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
    let wants_body = crate::core::http::query_pairs(&ctx.request.query)
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("attributes"));
    update(ctx, id, &member_ops, wants_body, |old| {
        Ok(apply_group_patch(old, &operations)?.doc)
    })
    .await
}

fn member_change(op: &MemberOp) -> MemberChange<'_> {
    match op {
        MemberOp::Add(members) => MemberChange::Add(members),
        MemberOp::Remove(ids) => MemberChange::Remove(ids),
        MemberOp::RemoveAll => MemberChange::RemoveAll,
        MemberOp::ReplaceAll(members) => MemberChange::ReplaceAll(members),
    }
}

/// The members a set of membership changes adds (checked before the write).
fn added_members(member_ops: &[MemberOp]) -> Vec<&Member> {
    member_ops
        .iter()
        .flat_map(|op| match op {
            MemberOp::Add(m) | MemberOp::ReplaceAll(m) => m.iter().collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect()
}

/// The shared write skeleton with a group's parts: `member_ops` come from the request alone,
/// so the members they add are checked in the round trip that reads the group, and the
/// members are read back in the write's own batch when the response shows them: a write costs
/// two round trips whatever it changes. Only a write that changes the document or carries
/// `If-Match` is conditional on the version read; membership changes alone commute.
async fn update<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    member_ops: &[MemberOp],
    with_body: bool,
    change: impl Fn(&Value) -> Result<Value, Failure>,
) -> Result<HttpResponse, Failure> {
    let org = ctx.org();
    let added = added_members(member_ops);
    let changes: Vec<MemberChange> = member_ops.iter().map(member_change).collect();
    let with_members = with_body && ctx.wants(RT, "members");
    let read = || {
        let check = if added.is_empty() {
            None
        } else {
            Some(members::check(org, Some(id), &added))
        };
        let read = groups::read(org, id, false);
        match check {
            Some(check) => read.join(check),
            None => read.map(|group| (group, MemberCheck::Valid)),
        }
    };
    let plan = |old: &Stored, doc: Value, stamp: &WriteStamp, if_match: &IfMatch| {
        let check = if doc != old.doc || if_match.is_conditional() {
            VersionCheck::Exact
        } else {
            VersionCheck::Any
        };
        groups::update(org, old, doc, &changes, check, stamp, with_members)
    };
    let group = write::update(ctx, RT, id, read, change, plan).await?;
    if with_body {
        resource_response(ctx, 200, &group)
    } else {
        Ok(no_content(group.version))
    }
}

/// DELETE /Groups/{id}: 204; its membership rows go with it.
pub(crate) async fn delete<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
) -> Result<HttpResponse, Failure> {
    write::delete(ctx, RT, id, |if_match, stamp| {
        groups::delete(ctx.org(), id, if_match, stamp)
    })
    .await
}
