//! `/Users` and `/Users/{id}`: create, read, replace, patch, delete (RFC 7644 §3.3–§3.6).
//! Reads cost one D1 round trip and writes at most two (see `write`). Each write is built
//! as a `Write` (also what `/Bulk` runs) and then run and rendered.

use super::context::{Ctx, Failure};
use super::render::{not_modified, not_modified_response, resource_response};
use super::write::{self, not_found, Write, Written};
use crate::core::db::Database;
use crate::core::http::HttpResponse;
use crate::core::patch::{apply_user_patch, parse_patch_request};
use crate::core::resource::{check_immutable, parse_user_body};
use crate::core::schema::ResourceType;
use crate::core::store::members::MemberCheck;
use crate::core::store::precondition::IfMatch;
use crate::core::store::{new_id, users};
use serde_json::Value;

const RT: ResourceType = ResourceType::User;

/// POST /Users (RFC 7644 §3.3) as a write creating user `id`.
pub(crate) fn create_write(org: &str, id: &str, body: &Value) -> Result<Write, Failure> {
    let doc = parse_user_body(body)?.doc;
    let (org, key) = (org.to_owned(), id.to_owned());
    let insert = doc.clone();
    Ok(Write::create(RT, id, doc, None, move |stamp| {
        users::create(&org, &key, insert, stamp)
    }))
}

/// PUT /Users/{id} (RFC 7644 §3.5.1) as a write: the body replaces every writable attribute.
pub(crate) fn replace_write(
    org: &str,
    id: &str,
    body: &Value,
    if_match: IfMatch,
    with_groups: bool,
) -> Result<Write, Failure> {
    let doc = parse_user_body(body)?.doc;
    Ok(update_write(org, id, if_match, with_groups, move |old| {
        check_immutable(RT, old, &doc)?;
        Ok(doc.clone())
    }))
}

/// PATCH /Users/{id} (RFC 7644 §3.5.2) as a write: all operations apply, or none.
pub(crate) fn patch_write(
    org: &str,
    id: &str,
    body: &Value,
    if_match: IfMatch,
    with_groups: bool,
) -> Result<Write, Failure> {
    let operations = parse_patch_request(body)?;
    Ok(update_write(org, id, if_match, with_groups, move |old| {
        Ok(apply_user_patch(old, &operations)?.doc)
    }))
}

fn update_write(
    org: &str,
    id: &str,
    if_match: IfMatch,
    with_groups: bool,
    change: impl Fn(&Value) -> Result<Value, Failure> + 'static,
) -> Write {
    let (read_org, read_id) = (org.to_owned(), id.to_owned());
    let read = move || {
        users::read(&read_org, &read_id, with_groups).map(|user| (user, MemberCheck::Valid))
    };
    let org = org.to_owned();
    let plan =
        move |old: &_, doc, stamp: &_, _: &_| users::update(&org, old, doc, stamp, with_groups);
    Write::update(RT, id, if_match, read, change, plan)
}

/// DELETE /Users/{id} (RFC 7644 §3.6) as a write; the user leaves every group.
pub(crate) fn delete_write(org: &str, id: &str, if_match: IfMatch) -> Write {
    let (org, key) = (org.to_owned(), id.to_owned());
    Write::delete(RT, id, if_match, move |if_match, stamp| {
        users::delete(&org, &key, if_match, stamp)
    })
}

/// POST /Users (RFC 7644 §3.3): 201 with the user, `Location` and `ETag`.
pub(crate) async fn create<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let write = create_write(ctx.org(), &new_id()?, body)?;
    respond(ctx, 201, write::run(ctx, write).await?)
}

/// GET /Users/{id} (RFC 7644 §3.4.1). A deactivated user is returned like any other.
pub(crate) async fn get<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
) -> Result<HttpResponse, Failure> {
    let plan = users::read(ctx.org(), id, ctx.wants(RT, "groups"));
    let user = ctx.run(plan).await?.ok_or_else(|| not_found(RT, id))?;
    if not_modified(ctx.request, user.version) {
        return Ok(not_modified_response(user.version));
    }
    resource_response(ctx, 200, &user)
}

/// PUT /Users/{id} (RFC 7644 §3.5.1): 200 with the user.
pub(crate) async fn replace<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let write = replace_write(ctx.org(), id, body, if_match(ctx), ctx.wants(RT, "groups"))?;
    respond(ctx, 200, write::run(ctx, write).await?)
}

/// PATCH /Users/{id} (RFC 7644 §3.5.2): 200 with the user.
pub(crate) async fn patch<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let write = patch_write(ctx.org(), id, body, if_match(ctx), ctx.wants(RT, "groups"))?;
    respond(ctx, 200, write::run(ctx, write).await?)
}

/// DELETE /Users/{id} (RFC 7644 §3.6): 204.
pub(crate) async fn delete<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
) -> Result<HttpResponse, Failure> {
    let write = delete_write(ctx.org(), id, if_match(ctx));
    respond(ctx, 204, write::run(ctx, write).await?)
}

fn if_match<D, K>(ctx: &Ctx<'_, D, K>) -> IfMatch {
    IfMatch::parse(ctx.request.header("if-match"))
}

fn respond<D, K>(
    ctx: &Ctx<'_, D, K>,
    status: u16,
    written: Written,
) -> Result<HttpResponse, Failure> {
    match written {
        Written::Created(stored) | Written::Updated(stored) => {
            resource_response(ctx, status, &stored)
        }
        Written::Deleted => Ok(HttpResponse::empty(204)),
    }
}
