//! Setup links (`POST /admin/orgs/{org}/setup-link`, `GET …/setup-links`,
//! `DELETE …/setup-links/{id}`) and the setup page they open (`/setup/{link}`): the page, and
//! its API under `/setup/{link}/api/` — `info`, `token` (generate or rotate) and `events`.
//! Every request looks the link up; the org comes from the stored link, never from the request.

use super::super::admin::{self, ok_json};
use super::super::context::{Ctx, Failure};
use super::respond;
use crate::core::clock::format_timestamp;
use crate::core::console::assets;
use crate::core::console::opaque;
use crate::core::console::setup_link;
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::http::{HttpResponse, Method};
use crate::core::kv::KeyValue;
use crate::core::org::OrgName;
use crate::core::store::setup_links::{self, LinkState, NewLink};
use crate::core::token::{kv_key, TokenRecord};
use serde_json::{json, Value};

/// The header the setup page sends on its POST (a cross-site form cannot send it).
pub const SETUP_HEADER: &str = "x-setup-request";

/// `POST /admin/orgs/{org}/setup-link` with `{"hours": 1..168}`: a new link, shown once.
pub(super) async fn create_link<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let hours = setup_link::parse_hours(&ctx.request.json_body()?)?;
    let link = opaque::generate().map_err(Failure::Internal)?;
    let hash = setup_link::link_hash(&link);
    let now = ctx.now_ms();
    let expires = now + hours * 3_600_000;
    let stored = ctx
        .run(setup_links::insert(org.as_str(), &hash, now, expires))
        .await?;
    if stored == NewLink::OrgNotRegistered {
        return Err(ScimError::not_found(format!(
            "Org {org} is not in the org registry: create it (or run the backfill) first."
        ))
        .into());
    }
    ctx.note(format!("console: setup link for {org} ({hours} h)"));
    Ok(ok_json(
        201,
        json!({
            "org": org.as_str(),
            "id": setup_link::link_id(&hash),
            "url": format!("{}/setup/{link}", ctx.request.origin),
            "expires": format_timestamp(expires),
        }),
    ))
}

/// `GET /admin/orgs/{org}/setup-links`: the org's unexpired links (never the links themselves).
pub(super) async fn list_links<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
) -> Result<HttpResponse, Failure> {
    let found = ctx
        .run(setup_links::list(org.as_str(), ctx.now_ms()))
        .await?;
    let links: Vec<Value> = found
        .iter()
        .map(|link| {
            json!({
                "id": setup_link::link_id(&link.link_hash),
                "created": format_timestamp(link.created_ms),
                "expires": format_timestamp(link.expires_ms),
                "revoked": link.revoked,
            })
        })
        .collect();
    Ok(ok_json(200, json!({"org": org.as_str(), "links": links})))
}

/// `DELETE /admin/orgs/{org}/setup-links/{id}`: the link stops working at once (D1 is read on
/// every setup request). 204, or 404 for an id the org does not have.
pub(super) async fn revoke_link<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    id: &str,
) -> Result<HttpResponse, Failure> {
    if !setup_link::valid_id(id) {
        return Err(ScimError::not_found("No such setup link.").into());
    }
    if !ctx.run(setup_links::revoke(org.as_str(), id)).await? {
        return Err(ScimError::not_found("No such setup link.").into());
    }
    ctx.note(format!("console: setup link {id} of {org} revoked"));
    Ok(HttpResponse {
        status: 204,
        headers: vec![("cache-control".into(), "no-store".into())],
        body: None,
    })
}

/// `/setup/{link}` and `/setup/{link}/api/…`.
pub(crate) async fn setup<D: Database, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    link: &str,
    rest: &[String],
) -> Result<HttpResponse, Failure> {
    let state = if opaque::well_formed(link) {
        let hash = setup_link::link_hash(link);
        ctx.run(setup_links::lookup(&hash, ctx.now_ms())).await?
    } else {
        LinkState::Unknown
    };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let page = rest.is_empty();
    let (org, expires_ms) = match state {
        LinkState::Valid { org, expires_ms } => (org, expires_ms),
        refused => {
            ctx.note(format!("setup link refused: {refused:?}"));
            let status = if refused == LinkState::Unknown {
                404
            } else {
                410
            };
            return Ok(if page {
                assets::html(status, assets::LINK_INVALID_HTML)
            } else {
                assets::secure(HttpResponse::error(&ScimError::new(
                    status,
                    None,
                    "This setup link has expired, was revoked, or does not exist. Ask for a new one.",
                )))
            });
        }
    };
    let Some(org) = OrgName::parse(&org) else {
        return Err(Failure::Internal(format!(
            "setup link bound to an invalid org {org:?}"
        )));
    };
    let method = ctx.request.method;
    let result = match (rest.as_slice(), method) {
        ([], Method::Get | Method::Head) => return Ok(assets::html(200, assets::SETUP_HTML)),
        (["api", "info"], Method::Get) => info(ctx, &org, expires_ms).await,
        (["api", "token"], Method::Post) => {
            if ctx.request.header(SETUP_HEADER).is_none() {
                Err(ScimError::new(
                    403,
                    None,
                    "The setup page sends X-Setup-Request; reload it.",
                )
                .into())
            } else {
                ctx.note(format!("setup: token generated for {org}"));
                admin::create_token(ctx, &org).await
            }
        }
        (["api", "events"], Method::Get) => {
            admin::dispatch(ctx, &org, &["events".to_owned()]).await
        }
        _ => Err(ScimError::not_found("No such setup page resource.").into()),
    };
    Ok(assets::secure(respond(ctx, result)))
}

/// The org, its tenant URL, the link's expiry and the current token's metadata (or null).
async fn info<D, K: KeyValue>(
    ctx: &Ctx<'_, D, K>,
    org: &OrgName,
    expires_ms: u64,
) -> Result<HttpResponse, Failure> {
    let record = ctx.runtime.kv.get(&kv_key(org.as_str())).await?;
    let token = record
        .and_then(|raw| serde_json::from_str::<TokenRecord>(&raw).ok())
        .map(|r| json!({"created": r.created, "last4": r.last4}));
    Ok(ok_json(
        200,
        json!({
            "org": org.as_str(),
            "tenantUrl": format!("{}/scim/v2/{org}", ctx.request.origin),
            "linkExpires": format_timestamp(expires_ms),
            "token": token,
        }),
    ))
}
