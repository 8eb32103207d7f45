//! End-to-end tests: the built worker under `wrangler dev`, driven over HTTP.
//! Run with `make test` (or `bash scripts/e2e.sh`), which starts wrangler with a fresh local
//! state and seeds orgs `e2e-1..e2e-N` with tokens.

mod helpers;

mod admin;
mod auth;
mod bulk;
mod concurrency;
mod discovery;
mod events;
mod groups;
mod hostile;
mod isolation;
mod methods;
mod protocol;
mod query;
mod receiver;
mod schema_values;
mod shards;
mod store_boundary;
mod traceability;
mod users;
