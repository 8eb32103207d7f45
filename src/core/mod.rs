//! The pure core: everything that decides SCIM behaviour, with no dependency on the `worker`
//! crate, so it builds and is tested natively.

pub mod db;
pub mod error;
pub mod filter;
pub mod list;
pub mod schema;
