//! `/Groups` and `/Groups/{id}` (RFC 7644 §3.3–§3.6). Membership is stored as rows and changed
//! row by row; reading a group without `members` never touches the membership table. Each
//! write is built as a `Write` (also what `/Bulk` runs) and then run and rendered.

use super::context::{Ctx, Failure};
use super::render::{no_content, not_modified, not_modified_response, resource_response};
use super::write::{self, not_found, Write, Written};
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
use std::rc::Rc;

const RT: ResourceType = ResourceType::Group;

/// POST /Groups as a write creating group `id` (members included when sent). Members are
/// checked in a first round trip only when there are some.
pub(crate) fn create_write(
    org: &str,
    id: &str,
    body: &Value,
    with_members: bool,
) -> Result<Write, Failure> {
    let parsed = parse_group_body(body)?;
    let initial = parsed.members.unwrap_or_default();
    let check = (!initial.is_empty()).then(|| {
        let added: Vec<&Member> = initial.iter().collect();
        members::check(org, None, &added)
    });
    let (org, key) = (org.to_owned(), id.to_owned());
    let insert = parsed.doc.clone();
    Ok(Write::create(RT, id, parsed.doc, check, move |stamp| {
        groups::create(&org, &key, insert, &initial, stamp, with_members)
    }))
}

/// PUT /Groups/{id} (RFC 7644 §3.5.1) as a write: replaces displayName/externalId, and the
/// member list when the body has `members` (an absent `members` is "not asserted" and kept).
pub(crate) fn replace_write(
    org: &str,
    id: &str,
    body: &Value,
    if_match: IfMatch,
    with_members: bool,
) -> Result<Write, Failure> {
    let parsed = parse_group_body(body)?;
    let member_ops: Vec<MemberOp> = parsed
        .members
        .map(|m| vec![MemberOp::ReplaceAll(m)])
        .unwrap_or_default();
    let doc = parsed.doc;
    Ok(update_write(
        org,
        id,
        member_ops,
        if_match,
        with_members,
        move |old| {
            check_immutable(RT, old, &doc)?;
            Ok(doc.clone())
        },
    ))
}

/// PATCH /Groups/{id} (RFC 7644 §3.5.2) as a write.
pub(crate) fn patch_write(
    org: &str,
    id: &str,
    body: &Value,
    if_match: IfMatch,
    with_members: bool,
) -> Result<Write, Failure> {
    let operations = parse_patch_request(body)?;
    let member_ops = member_ops_of(&operations)?;
    Ok(update_write(
        org,
        id,
        member_ops,
        if_match,
        with_members,
        move |old| Ok(apply_group_patch(old, &operations)?.doc),
    ))
}

/// DELETE /Groups/{id} as a write; its membership rows go with it.
pub(crate) fn delete_write(org: &str, id: &str, if_match: IfMatch) -> Write {
    let (org, key) = (org.to_owned(), id.to_owned());
    Write::delete(RT, id, if_match, move |if_match, stamp| {
        groups::delete(&org, &key, if_match, stamp)
    })
}

/// POST /Groups: 201 with the group.
pub(crate) async fn create<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let write = create_write(ctx.org(), &new_id()?, body, ctx.wants(RT, "members"))?;
    match write::run(ctx, write).await? {
        Written::Created(stored) | Written::Updated(stored) => resource_response(ctx, 201, &stored),
        Written::Deleted => Err(Failure::Internal("group create deleted".into())),
    }
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

/// PUT /Groups/{id}: 200 with the group.
pub(crate) async fn replace<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let with_members = ctx.wants(RT, "members");
    let write = replace_write(ctx.org(), id, body, if_match(ctx), with_members)?;
    updated_response(ctx, true, write::run(ctx, write).await?)
}

/// PATCH /Groups/{id} (RFC 7644 §3.5.2): 204, or 200 with the group when the request names
/// `attributes` (as Entra's and Okta's clients accept either).
pub(crate) async fn patch<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let wants_body = crate::core::http::query_pairs(&ctx.request.query)
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("attributes"));
    let with_members = wants_body && ctx.wants(RT, "members");
    let write = patch_write(ctx.org(), id, body, if_match(ctx), with_members)?;
    updated_response(ctx, wants_body, write::run(ctx, write).await?)
}

/// DELETE /Groups/{id}: 204.
pub(crate) async fn delete<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
) -> Result<HttpResponse, Failure> {
    let write = delete_write(ctx.org(), id, if_match(ctx));
    write::run(ctx, write).await?;
    Ok(HttpResponse::empty(204))
}

fn if_match<D, K>(ctx: &Ctx<'_, D, K>) -> IfMatch {
    IfMatch::parse(ctx.request.header("if-match"))
}

fn updated_response<D, K>(
    ctx: &Ctx<'_, D, K>,
    with_body: bool,
    written: Written,
) -> Result<HttpResponse, Failure> {
    match written {
        Written::Created(group) | Written::Updated(group) if with_body => {
            resource_response(ctx, 200, &group)
        }
        Written::Created(group) | Written::Updated(group) => Ok(no_content(group.version)),
        Written::Deleted => Err(Failure::Internal("group update deleted".into())),
    }
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
/// members are read back in the write's own batch when `with_members`: a write costs two
/// round trips whatever it changes. Only a write that changes the document or carries
/// `If-Match` is conditional on the version read; membership changes alone commute.
fn update_write(
    org: &str,
    id: &str,
    member_ops: Vec<MemberOp>,
    if_match: IfMatch,
    with_members: bool,
    change: impl Fn(&Value) -> Result<Value, Failure> + 'static,
) -> Write {
    let member_ops = Rc::new(member_ops);
    let (read_ops, read_org, read_id) = (member_ops.clone(), org.to_owned(), id.to_owned());
    let read = move || {
        let added = added_members(&read_ops);
        let check = if added.is_empty() {
            None
        } else {
            Some(members::check(&read_org, Some(&read_id), &added))
        };
        let read = groups::read(&read_org, &read_id, false);
        match check {
            Some(check) => read.join(check),
            None => read.map(|group| (group, MemberCheck::Valid)),
        }
    };
    let org = org.to_owned();
    let plan = move |old: &Stored, doc: Value, stamp: &WriteStamp, if_match: &IfMatch| {
        let changes: Vec<MemberChange> = member_ops.iter().map(member_change).collect();
        let check = if doc != old.doc || if_match.is_conditional() {
            VersionCheck::Exact
        } else {
            VersionCheck::Any
        };
        groups::update(&org, old, doc, &changes, check, stamp, with_members)
    };
    Write::update(RT, id, if_match, read, change, plan)
}
