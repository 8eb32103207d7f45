//! The pure core: everything that decides SCIM behaviour, with no dependency on the `worker`
//! crate, so it builds and is tested natively.

pub mod db;
pub mod error;
pub mod filter;
pub mod patch;
pub mod projection;
pub mod resource;
pub mod schema;
