//! scim-edge: a SCIM 2.0 service provider (RFC 7643/7644) for Cloudflare Workers.
//!
//! `core` is pure Rust and decides all behaviour; `glue` (wasm32 only) adapts it to the
//! Workers runtime: fetch entry, D1 and KV.

pub mod core;

#[cfg(target_arch = "wasm32")]
mod glue;
