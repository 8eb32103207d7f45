//! List and search requests (RFC 7644 §3.4.2, §3.4.3) with index and cursor paging
//! (RFC 9865): parameters and page cursors. The SQL that answers them is in
//! `store::list_query`.

pub mod cursor;
pub mod params;

pub use cursor::CURSOR_TIMEOUT_SECS;
pub use params::{ListParams, DEFAULT_COUNT, MAX_COUNT};

#[cfg(test)]
mod params_tests;
