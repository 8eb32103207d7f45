//! Signing in to the console, the session it opens, and signing out.

use super::super::admin::{check_secret, ok_json};
use super::super::context::{Ctx, Failure};
use crate::core::clock::format_timestamp;
use crate::core::console::assets;
use crate::core::console::opaque;
use crate::core::console::session::{self, CSRF_HEADER};
use crate::core::db::Database;
use crate::core::error::ScimError;
use crate::core::http::{HttpResponse, Method};
use crate::core::store::console_sessions;
use serde_json::{json, Value};

/// The sign-in body is `{"secret": "..."}`; a secret is far shorter than this.
const MAX_SIGN_IN_BYTES: usize = 4096;

pub(crate) fn has_session_cookie<D, K>(ctx: &Ctx<'_, D, K>) -> bool {
    session::session_from_cookie(ctx.request.header("cookie")).is_some()
}

/// 401 with a SCIM error body; the stale session cookie, if any, is removed.
pub(super) fn unauthorized(detail: &str) -> HttpResponse {
    HttpResponse::error(&ScimError::new(401, None, detail))
        .with_header("set-cookie", session::clear_cookie())
}

/// The request's console session, when it is open for this admin secret; for anything but a
/// read, its CSRF header must match too. `Ok(Err(..))` is the refusal to send: 401 without a
/// valid session, 403 without the CSRF header.
pub(crate) async fn check_session<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    secret: &str,
) -> Result<Result<String, HttpResponse>, Failure> {
    let Some(id) = session::session_from_cookie(ctx.request.header("cookie")) else {
        ctx.note("console auth: no session".into());
        return Ok(Err(unauthorized(
            "Your console session has ended. Sign in again.",
        )));
    };
    let open = console_sessions::is_open(
        &session::session_hash(id),
        &session::secret_tag(secret),
        ctx.now_ms(),
    );
    if !ctx.run(open).await? {
        ctx.note("console auth: session expired or unknown".into());
        return Ok(Err(unauthorized(
            "Your console session has ended. Sign in again.",
        )));
    }
    let reading = matches!(ctx.request.method, Method::Get | Method::Head);
    if !reading && !session::csrf_matches(id, ctx.request.header(CSRF_HEADER)) {
        ctx.note("console auth: missing or wrong CSRF header".into());
        return Ok(Err(HttpResponse::error(&ScimError::new(
            403,
            None,
            "This console request lacks its X-Console-CSRF header. Reload the page.",
        ))));
    }
    Ok(Ok(id.to_owned()))
}

/// `GET /admin/`: the console page. Without a valid session it is answered 401 and the page
/// shows its sign-in form.
pub(super) async fn page<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    secret: &str,
) -> Result<HttpResponse, Failure> {
    Ok(match check_session(ctx, secret).await? {
        Ok(_) => assets::html(200, assets::CONSOLE_HTML),
        Err(_) => assets::html(401, assets::CONSOLE_HTML)
            .with_header("set-cookie", session::clear_cookie()),
    })
}

/// `POST /admin/session` with `{"secret": "..."}` as `application/json` (a cross-site form can
/// send neither that media type nor a custom header without a CORS preflight, which this
/// service never grants). Opens a session: `Set-Cookie`, and the CSRF value in the body.
pub(super) async fn sign_in<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    secret: &str,
) -> Result<HttpResponse, Failure> {
    let json_media = ctx.request.header("content-type").is_some_and(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/json")
    });
    if !json_media {
        return Err(ScimError::unsupported_media_type(
            "Sign in with a JSON body {\"secret\": \"...\"} sent as application/json.",
        )
        .into());
    }
    if ctx.request.body.len() > MAX_SIGN_IN_BYTES {
        return Err(ScimError::payload_too_large(MAX_SIGN_IN_BYTES).into());
    }
    let body = ctx.request.json_body()?;
    let presented = body.get("secret").and_then(Value::as_str).unwrap_or("");
    let authorization = format!("Bearer {}", presented.trim());
    if presented.trim().is_empty() || check_secret(secret, Some(&authorization)).is_err() {
        ctx.note("console sign-in refused: wrong secret".into());
        return Ok(unauthorized(
            "That is not the admin secret of this deployment.",
        ));
    }
    let id = opaque::generate().map_err(Failure::Internal)?;
    let now = ctx.now_ms();
    let expires = session::expires_ms(now);
    ctx.run(console_sessions::open(
        &session::session_hash(&id),
        &session::secret_tag(secret),
        now,
        expires,
    ))
    .await?;
    ctx.note("console: signed in".into());
    Ok(ok_json(
        200,
        json!({"csrf": session::csrf_token(&id), "expires": format_timestamp(expires)}),
    )
    .with_header("set-cookie", session::set_cookie(&id)))
}

/// `GET /admin/session`: the open session's CSRF value and expiry (the page asks on load).
pub(super) async fn info<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    secret: &str,
) -> Result<HttpResponse, Failure> {
    let id = match check_session(ctx, secret).await? {
        Ok(id) => id,
        Err(refused) => return Ok(refused),
    };
    Ok(ok_json(200, json!({"csrf": session::csrf_token(&id)})))
}

/// `DELETE /admin/session`: signs out (the session row goes, the cookie is cleared).
pub(super) async fn sign_out<D: Database, K>(
    ctx: &Ctx<'_, D, K>,
    secret: &str,
) -> Result<HttpResponse, Failure> {
    let id = match check_session(ctx, secret).await? {
        Ok(id) => id,
        Err(refused) => return Ok(refused),
    };
    ctx.run(console_sessions::close(&session::session_hash(&id)))
        .await?;
    ctx.note("console: signed out".into());
    Ok(HttpResponse {
        status: 204,
        headers: vec![
            ("cache-control".into(), "no-store".into()),
            ("set-cookie".into(), session::clear_cookie()),
        ],
        body: None,
    })
}
