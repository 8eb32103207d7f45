//! Workers glue (wasm32 only): the fetch entry, the D1 and KV adapters and the rate limiter. No SCIM
//! behaviour lives here; it converts types and calls `core::service::handle`.

mod d1;
mod entry;
mod kv;
mod rate_limit;
