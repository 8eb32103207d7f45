//! Directory browsing for the console: `GET /admin/orgs/{org}/users?q=&after=`,
//! `…/users/{id}/groups`, `…/groups?q=&after=`, `…/groups/{id}/members?after=`. Each answer
//! is one page and the key of the next (`next`, to pass as `after`), never a whole group.

use super::super::admin::ok_json;
use super::super::context::{Ctx, Failure};
use super::batch as console_batch;
use super::query_param;
use crate::core::console::directory::{self, page};
use crate::core::db::{Database, Row, Statement};
use crate::core::error::ScimError;
use crate::core::http::HttpResponse;
use crate::core::org::OrgName;
use serde_json::{json, Value};

async fn rows<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    statement: Statement,
) -> Result<Vec<Row>, Failure> {
    Ok(console_batch(ctx, vec![statement])
        .await?
        .into_iter()
        .next()
        .map(|r| r.rows)
        .unwrap_or_default())
}

fn answer(name: &str, rows: Vec<Row>, key: &str, to_json: fn(&Row) -> Value) -> HttpResponse {
    let (rows, next) = page(rows, key);
    let items: Vec<Value> = rows.iter().map(to_json).collect();
    ok_json(200, json!({ name: items, "next": next }))
}

pub(super) async fn users<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let statement = directory::users(
        org.as_str(),
        &query_param(ctx, "q"),
        &query_param(ctx, "after"),
    );
    let found = rows(ctx, statement).await?;
    Ok(answer("users", found, "user_name_ci", directory::user_json))
}

pub(super) async fn user_groups<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    user_id: &str,
) -> Result<HttpResponse, Failure> {
    let statement = directory::user_groups(org.as_str(), user_id, &query_param(ctx, "after"));
    let found = rows(ctx, statement).await?;
    Ok(answer(
        "groups",
        found,
        "display_name_ci",
        directory::group_json,
    ))
}

pub(super) async fn groups<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let statement = directory::groups(
        org.as_str(),
        &query_param(ctx, "q"),
        &query_param(ctx, "after"),
    );
    let found = rows(ctx, statement).await?;
    Ok(answer(
        "groups",
        found,
        "display_name_ci",
        directory::group_json,
    ))
}

/// One page of the group's members; 404 when the group does not exist (both reads in one
/// batch).
pub(super) async fn members<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    group_id: &str,
) -> Result<HttpResponse, Failure> {
    let results = console_batch(
        ctx,
        vec![
            directory::group(org.as_str(), group_id),
            directory::members(org.as_str(), group_id, &query_param(ctx, "after")),
        ],
    )
    .await?;
    let mut results = results.into_iter();
    let group = results.next().and_then(|r| r.rows.into_iter().next());
    let Some(group) = group else {
        return Err(ScimError::not_found(format!("Org {org} has no group {group_id}.")).into());
    };
    let members = results.next().map(|r| r.rows).unwrap_or_default();
    let (members, next) = page(members, "member_id");
    let items: Vec<Value> = members.iter().map(directory::member_json).collect();
    Ok(ok_json(
        200,
        json!({"group": directory::group_json(&group), "members": items, "next": next}),
    ))
}
