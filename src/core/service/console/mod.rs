//! Handlers of the operator console (`/admin/`, `/admin/session`, `/admin/backfill`), of the
//! console's extra admin routes (org list and creation, directory browsing, setup links) and
//! of the self-serve setup page (`/setup/{link}`). The pure rules they apply live in
//! `core::console`; docs/console.md describes the whole.

mod directory_api;
mod orgs_api;
mod session_api;
mod setup_api;

pub(crate) use orgs_api::{create_org, org_collection};
pub(crate) use session_api::{check_session, has_session_cookie};
pub(crate) use setup_api::setup;

use super::admin;
use super::context::{Ctx, Failure};
use crate::core::console::assets;
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::http::{query_pairs, HttpResponse, Method};
use crate::core::kv::KeyValue;
use crate::core::org::OrgName;

/// `/admin` and `/admin/{session,backfill}` (a configured admin secret is given).
pub(crate) async fn handle<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    secret: &str,
    rest: &[String],
) -> Result<HttpResponse, Failure> {
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let method = ctx.request.method;
    let response = match (rest.as_slice(), method) {
        ([], Method::Get | Method::Head) => session_api::page(ctx, secret).await,
        ([], _) => Ok(admin::method_not_allowed(method, "GET")),
        (["session"], Method::Post) => session_api::sign_in(ctx, secret).await,
        (["session"], Method::Get) => session_api::info(ctx, secret).await,
        (["session"], Method::Delete) => session_api::sign_out(ctx, secret).await,
        (["session"], _) => Ok(admin::method_not_allowed(method, "GET, POST, DELETE")),
        (["backfill"], Method::Post) => match authorize(ctx, secret).await? {
            Ok(()) => orgs_api::backfill(ctx).await,
            Err(refused) => Ok(refused),
        },
        (["backfill"], _) => Ok(admin::method_not_allowed(method, "POST")),
        _ => Err(admin::no_such_endpoint()),
    };
    Ok(assets::secure(respond(ctx, response)))
}

/// An admin caller: `Authorization: Bearer <secret>`, or a console session (with its CSRF
/// header on anything but GET). `Err` is the refusal to send.
async fn authorize<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    secret: &str,
) -> Result<Result<(), HttpResponse>, Failure> {
    if ctx.request.header("authorization").is_none() && has_session_cookie(ctx) {
        return Ok(check_session(ctx, secret).await?.map(|_| ()));
    }
    match admin::check_secret(secret, ctx.request.header("authorization")) {
        Ok(()) => Ok(Ok(())),
        Err(why) => {
            ctx.note(format!("admin auth: {why:?}"));
            Ok(Err(session_api::unauthorized(
                "Authentication failed: send Authorization: Bearer <ADMIN_SECRET>, or sign in to the console.",
            )))
        }
    }
}

/// `/assets/{name}`: a static file of the pages, or 404.
pub(crate) fn asset(name: &str) -> Result<HttpResponse, Failure> {
    assets::file(name).ok_or_else(|| ScimError::not_found("No such file.").into())
}

/// The console's routes below `/admin/orgs/{org}/` (after authorisation).
pub(crate) async fn org_routes<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    rest: &[&str],
) -> Result<HttpResponse, Failure> {
    let method = ctx.request.method;
    match (rest, method) {
        (["users"], Method::Get) => {
            super::shards::use_org_shard(ctx, org).await?;
            directory_api::users(ctx, org).await
        }
        (["users", id, "groups"], Method::Get) => {
            super::shards::use_org_shard(ctx, org).await?;
            directory_api::user_groups(ctx, org, id).await
        }
        (["groups"], Method::Get) => {
            super::shards::use_org_shard(ctx, org).await?;
            directory_api::groups(ctx, org).await
        }
        (["groups", id, "members"], Method::Get) => {
            super::shards::use_org_shard(ctx, org).await?;
            directory_api::members(ctx, org, id).await
        }
        (["setup-link"], Method::Post) => setup_api::create_link(ctx, org).await,
        (["setup-links"], Method::Get) => setup_api::list_links(ctx, org).await,
        (["setup-links", id], Method::Delete) => setup_api::revoke_link(ctx, org, id).await,
        (
            ["users" | "groups" | "setup-links"]
            | ["users", _, "groups"]
            | ["groups", _, "members"],
            _,
        ) => Ok(admin::method_not_allowed(method, "GET")),
        (["setup-links", _], _) => Ok(admin::method_not_allowed(method, "DELETE")),
        (["setup-link"], _) => Ok(admin::method_not_allowed(method, "POST")),
        _ => Err(admin::no_such_endpoint()),
    }
}

/// A query parameter of the request (first occurrence), or "".
fn query_param<D, K>(ctx: &Ctx<'_, D, K>, name: &str) -> String {
    query_pairs(&ctx.request.query)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// Turns a failure into its response here, so the console's security headers go on errors too.
fn respond<D, K>(ctx: &Ctx<'_, D, K>, result: Result<HttpResponse, Failure>) -> HttpResponse {
    match result {
        Ok(response) => response,
        Err(Failure::Scim(error)) => HttpResponse::error(&error),
        Err(Failure::Internal(message)) => {
            ctx.note(message);
            HttpResponse::error(&ScimError::internal())
        }
        Err(Failure::Retry(error, retry_after_secs)) => {
            HttpResponse::error(&error).with_header("retry-after", retry_after_secs.to_string())
        }
    }
}

#[cfg(test)]
mod round_trip_tests;
#[cfg(test)]
mod tests;
