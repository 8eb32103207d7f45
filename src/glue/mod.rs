//! Workers glue (wasm32 only): the fetch entry, and the D1 and KV adapters. No SCIM
//! behaviour lives here; it converts types and calls `core::service::handle`.

mod d1;
mod entry;
mod kv;
