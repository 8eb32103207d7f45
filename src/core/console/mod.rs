//! The operator console (`/admin/`) and the self-serve setup page (`/setup/{link}`): the pure
//! parts. Opaque secrets (session ids, setup links) and their hashes, the cookie and CSRF rules,
//! and the embedded static assets with their security headers. The handlers that use them live
//! in `service::console`; the SQL of the org registry, sessions, setup links and directory
//! browsing lives in `store` (`org_registry`, `console_sessions`, `setup_links`,
//! `console_directory`). See docs/console.md.

pub mod assets;
pub mod opaque;
pub mod session;
pub mod setup_link;
