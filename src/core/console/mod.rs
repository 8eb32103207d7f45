//! The operator console (`/admin/`) and the self-serve setup page (`/setup/{link}`): the pure
//! parts. Opaque secrets (session ids, setup links) and their hashes, the cookie and CSRF rules,
//! the SQL of the org registry, sessions, setup links and directory browsing, and the embedded
//! static assets with their security headers. The handlers that use them live in
//! `service::console`. See docs/console.md.

pub mod assets;
pub mod directory;
pub mod opaque;
pub mod registry;
pub mod session;
pub mod setup_link;
