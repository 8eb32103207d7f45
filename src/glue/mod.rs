//! Workers glue (wasm32 only): the fetch entry, the D1 and KV adapters, the rate limiter,
//! and the queue and cron entries of directory events. No SCIM
//! behaviour lives here; it converts types and calls `core::service::handle`.

mod d1;
mod entry;
mod events;
mod kv;
mod rate_limit;
