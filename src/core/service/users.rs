//! `/Users` and `/Users/{id}`: create, read, replace, patch, delete (RFC 7644 §3.3–§3.6).
//! Reads cost one D1 round trip and writes at most two (see `write`).

use super::context::{Ctx, Failure};
use super::render::{not_modified, not_modified_response, resource_response};
use super::write::{self, not_found};
use crate::core::db::Database;
use crate::core::http::HttpResponse;
use crate::core::patch::{apply_user_patch, parse_patch_request};
use crate::core::resource::{check_immutable, parse_user_body};
use crate::core::schema::ResourceType;
use crate::core::store::members::MemberCheck;
use crate::core::store::{new_id, users, WriteStamp};
use serde_json::Value;

const RT: ResourceType = ResourceType::User;

/// POST /Users (RFC 7644 §3.3).
pub(crate) async fn create<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let doc = parse_user_body(body)?.doc;
    let stamp = WriteStamp::new(ctx.now_ms())?;
    let plan = users::create(ctx.org(), &new_id()?, doc.clone(), &stamp)?;
    write::create(ctx, RT, &doc, plan).await
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

/// PUT /Users/{id} (RFC 7644 §3.5.1): the body replaces every writable attribute.
pub(crate) async fn replace<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    body: &Value,
) -> Result<HttpResponse, Failure> {
    let parsed = parse_user_body(body)?;
    update(ctx, id, |old| {
        check_immutable(RT, old, &parsed.doc)?;
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
    update(ctx, id, |old| Ok(apply_user_patch(old, &operations)?.doc)).await
}

async fn update<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
    change: impl Fn(&Value) -> Result<Value, Failure>,
) -> Result<HttpResponse, Failure> {
    let org = ctx.org();
    let with_groups = ctx.wants(RT, "groups");
    let read = || users::read(org, id, with_groups).map(|user| (user, MemberCheck::Valid));
    let plan = |old: &_, doc, stamp: &_, _: &_| users::update(org, old, doc, stamp, with_groups);
    let user = write::update(ctx, RT, id, read, change, plan).await?;
    resource_response(ctx, 200, &user)
}

/// DELETE /Users/{id} (RFC 7644 §3.6): 204; the user leaves every group.
pub(crate) async fn delete<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    id: &str,
) -> Result<HttpResponse, Failure> {
    write::delete(ctx, RT, id, |if_match, stamp| {
        users::delete(ctx.org(), id, if_match, stamp)
    })
    .await
}
