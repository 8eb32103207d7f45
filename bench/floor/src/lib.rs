//! The bench floor: a worker that answers every request with a fixed small JSON body, without
//! storage. Its latency is what `wrangler dev`, workerd and the wasm boundary cost by themselves.

use worker::{event, Context, Env, Request, Response};

const BODY: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;

#[event(fetch)]
async fn fetch(_req: Request, _env: Env, _ctx: Context) -> worker::Result<Response> {
    let mut response = Response::ok(BODY)?;
    response
        .headers_mut()
        .set("content-type", "application/scim+json")?;
    Ok(response)
}
