//! The pure core: everything that decides SCIM behaviour, with no dependency on the `worker`
//! crate, so it builds and is tested natively.

pub mod auth;
pub mod clock;
pub mod db;
pub mod error;
pub mod events;
pub mod filter;
pub mod http;
pub mod json;
pub mod kv;
pub mod list;
pub mod org;
pub mod patch;
pub mod projection;
pub mod rate_limit;
pub mod resource;
pub mod router;
pub mod schema;
pub mod service;
pub mod store;
pub mod token;

#[cfg(test)]
pub mod testing;
