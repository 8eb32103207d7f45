//! The bench floor: a worker that answers every request with a fixed small JSON body, without
//! storage. Its latency is what `wrangler dev`, workerd and the wasm boundary cost by themselves.
//! `GET /d1` does the same after one D1 round trip (`SELECT 1`): the cost of touching local D1
//! at all, the second reference the bench's breakdown compares against.

use worker::{event, Context, Env, Request, Response};

const BODY: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    if req.path() == "/d1" {
        env.d1("DB")?.prepare("SELECT 1 AS one").run().await?;
    }
    let mut response = Response::ok(BODY)?;
    response
        .headers_mut()
        .set("content-type", "application/scim+json")?;
    Ok(response)
}
