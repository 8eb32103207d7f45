//! Directory browsing for the console: `GET /admin/orgs/{org}/users?q=&after=`,
//! `…/users/{id}/groups`, `…/groups?q=&after=`, `…/groups/{id}/members?after=`. Each answer
//! is one page and the key of the next (`next`, to pass as `after`), never a whole group.
//! Pages are read on the org's shard, where a read replica may answer (`Ctx::run_replica`).

use super::super::admin::ok_json;
use super::super::context::{Ctx, Failure};
use super::query_param;
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::http::HttpResponse;
use crate::core::org::OrgName;
use crate::core::store::console_directory::{self, GroupSummary, MemberSummary, UserSummary};
use crate::core::store::keyset_page::KeysetPage;
use serde_json::{json, Value};

fn user_json(user: &UserSummary) -> Value {
    json!({
        "id": user.id,
        "userName": user.user_name,
        "displayName": user.display_name,
        "email": user.email,
        "active": user.active,
    })
}

fn group_json(group: &GroupSummary) -> Value {
    json!({"id": group.id, "displayName": group.display_name})
}

fn member_json(member: &MemberSummary) -> Value {
    json!({
        "value": member.id,
        "type": member.member_type,
        "display": member.display,
        "displayName": member.display_name,
    })
}

fn answer<T>(name: &str, page: &KeysetPage<T>, to_json: fn(&T) -> Value) -> HttpResponse {
    let items: Vec<Value> = page.items.iter().map(to_json).collect();
    ok_json(200, json!({ name: items, "next": page.next }))
}

pub(super) async fn users<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let plan = console_directory::users(
        org.as_str(),
        &query_param(ctx, "q"),
        &query_param(ctx, "after"),
    );
    Ok(answer("users", &ctx.run_replica(plan).await?, user_json))
}

pub(super) async fn user_groups<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    user_id: &str,
) -> Result<HttpResponse, Failure> {
    let plan = console_directory::user_groups(org.as_str(), user_id, &query_param(ctx, "after"));
    Ok(answer("groups", &ctx.run_replica(plan).await?, group_json))
}

pub(super) async fn groups<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let plan = console_directory::groups(
        org.as_str(),
        &query_param(ctx, "q"),
        &query_param(ctx, "after"),
    );
    Ok(answer("groups", &ctx.run_replica(plan).await?, group_json))
}

/// One page of the group's members; 404 when the group does not exist (both reads in one
/// batch).
pub(super) async fn members<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    group_id: &str,
) -> Result<HttpResponse, Failure> {
    let plan = console_directory::members(org.as_str(), group_id, &query_param(ctx, "after"));
    let Some(found) = ctx.run_replica(plan).await? else {
        return Err(ScimError::not_found(format!("Org {org} has no group {group_id}.")).into());
    };
    let items: Vec<Value> = found.members.items.iter().map(member_json).collect();
    Ok(ok_json(
        200,
        json!({"group": group_json(&found.group), "members": items, "next": found.members.next}),
    ))
}
