//! `scim-token`: makes SCIM bearer tokens for local use (`make token`, test seeding).
//!
//! `scim-token new`             prints the token, then the KV record JSON (two lines).
//! `scim-token seed FILE N PFX` writes a `wrangler kv bulk put` file with records for orgs
//!                              PFX1..PFXN and prints `{org: token}` JSON on stdout.
//! The token is printed once; only its SHA-256 hash goes into the record.

use scim_edge::core::clock::format_timestamp;
use scim_edge::core::token::{kv_key, NewToken};
use serde_json::{json, Map, Value};
use std::time::{SystemTime, UNIX_EPOCH};

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn new_token() -> Result<NewToken, String> {
    NewToken::generate().map_err(|e| format!("no randomness available: {e}"))
}

fn run(args: &[String]) -> Result<(), String> {
    let created = format_timestamp(now_ms());
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["new"] => {
            let token = new_token()?;
            let record =
                serde_json::to_string(&token.record(&created)).map_err(|e| e.to_string())?;
            println!("{}", token.expose());
            println!("{record}");
            Ok(())
        }
        ["seed", file, count, prefix] => {
            let count: usize = count.parse().map_err(|_| format!("not a count: {count}"))?;
            let mut kv = Vec::with_capacity(count);
            let mut tokens = Map::new();
            for i in 1..=count {
                let org = format!("{prefix}{i}");
                let token = new_token()?;
                let record =
                    serde_json::to_string(&token.record(&created)).map_err(|e| e.to_string())?;
                kv.push(json!({"key": kv_key(&org), "value": record}));
                tokens.insert(org, Value::String(token.expose().to_owned()));
            }
            std::fs::write(file, Value::Array(kv).to_string())
                .map_err(|e| format!("{file}: {e}"))?;
            println!("{}", Value::Object(tokens));
            Ok(())
        }
        _ => Err("usage: scim-token new | scim-token seed FILE COUNT ORG_PREFIX".into()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(message) = run(&args) {
        eprintln!("scim-token: {message}");
        std::process::exit(2);
    }
}
