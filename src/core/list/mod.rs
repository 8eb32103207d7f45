//! List and search requests (RFC 7644 §3.4.2, §3.4.3) with index and cursor paging
//! (RFC 9865): parameters, the SQL statements that answer them, and page cursors.

pub mod cursor;
pub mod params;
pub mod query;

pub use cursor::CURSOR_TIMEOUT_SECS;
pub use params::{ListParams, DEFAULT_COUNT, MAX_COUNT};
pub use query::build_list_query;

#[cfg(test)]
mod paging_tests;
#[cfg(test)]
mod params_tests;
