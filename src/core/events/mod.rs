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

use crate::core::db::{Database, DbError};
use crate::core::store::plan::Plan;

/// Runs a store plan outside a request (the queue consumer, the cron): one batch, decoded.
pub(crate) async fn run_plan<D: Database, T: 'static>(db: &D, plan: Plan<T>) -> Result<T, DbError> {
    let (statements, decoder) = plan.into_parts();
    let results = db.batch(statements).await?;
    decoder.decode(results).map_err(|e| DbError {
        message: format!("store decode: {}", e.0),
    })
}
