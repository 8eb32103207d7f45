//! Directory events (docs/events.md): what changed in an org's directory, as an ordered log
//! per org, read through the Events API and pushed to webhooks. The model and the diff that
//! names an update live here; the SQL lives in `store::events` and `store::webhooks`.

pub mod delivery;
pub mod diff;
pub mod model;
pub mod retention;
pub mod signature;
pub mod webhook;

pub use model::{EventType, NewEvent, Source};
