//! The pure core: everything that decides SCIM behaviour, with no dependency on the `worker`
//! crate, so it builds and is tested natively.

pub mod auth;
pub mod clock;
pub(crate) mod console;
pub mod datetime;
pub(crate) mod db;
pub mod error;
pub mod events;
pub mod filter;
pub mod http;
pub mod json;
pub mod kv;
pub(crate) mod list;
pub mod org;
pub mod patch;
pub(crate) mod projection;
pub mod rate_limit;
pub mod refused_callers;
pub mod request_id;
pub mod resource;
pub mod router;
pub mod schema;
pub mod service;
pub mod shard;
pub(crate) mod store;
pub mod token;
pub mod token_cache;

#[cfg(test)]
pub mod testing;
