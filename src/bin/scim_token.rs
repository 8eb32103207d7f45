//! `scim-token`: makes SCIM bearer tokens for local use (`make token`, test seeding).
//!
//! `scim-token new [SHARD]`     prints the token, then the KV record JSON (two lines); the
//!                              record names SHARD when given.
//! `scim-token place SHARDS LOAD [shard:NAME|label:LABEL]`
//!                              prints the shard a new org goes to: the least-loaded eligible
//!                              one (`core::shard`, as the admin API places), given the SHARDS
//!                              variable and LOAD, the JSON `wrangler d1 execute --json` prints
//!                              for `SELECT shard, orgs` rows of the registry.
//! `scim-token seed FILE N PFX` writes a `wrangler kv bulk put` file with records for orgs
//!                              PFX1..PFXN and prints `{org: token}` JSON on stdout.
//! The token is printed once; only its SHA-256 hash goes into the record.

use scim_edge::core::clock::format_timestamp;
use scim_edge::core::shard::{Placement, ShardConfig};
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
        ["new", shard @ ..] if shard.len() <= 1 => {
            let token = new_token()?;
            let mut record = token.record(&created);
            record.shard = shard.first().map(|s| (*s).to_owned());
            let record = serde_json::to_string(&record).map_err(|e| e.to_string())?;
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
        ["place", shards, load, spec @ ..] if spec.len() <= 1 => {
            let config = ShardConfig::parse(Some(shards))?;
            let placement = match spec.first().copied().unwrap_or("") {
                "" => Placement::Any,
                s if s.starts_with("shard:") => Placement::Shard(s[6..].to_owned()),
                s if s.starts_with("label:") => Placement::Label(s[6..].to_owned()),
                other => return Err(format!("not a placement: {other}")),
            };
            let counted = registry_load(load)?;
            let load: Vec<u64> = config
                .shards()
                .iter()
                .map(|s| counted.get(&s.name).copied().unwrap_or(0))
                .collect();
            let index = config
                .place(&placement, &load)
                .ok_or_else(|| format!("no shard fits {placement:?}"))?;
            println!("{}", config.shards()[index].name);
            Ok(())
        }
        _ => Err("usage: scim-token new [SHARD] | scim-token place SHARDS LOAD [shard:NAME|label:LABEL] | scim-token seed FILE COUNT ORG_PREFIX".into()),
    }
}

/// Orgs per shard from `wrangler d1 execute --json` output (`[{"results": [{"shard", "orgs"}]}]`).
fn registry_load(text: &str) -> Result<std::collections::HashMap<String, u64>, String> {
    let start = text.find('[').ok_or("the registry load is not JSON")?;
    let value: Value =
        serde_json::from_str(&text[start..]).map_err(|e| format!("registry load: {e}"))?;
    let mut load = std::collections::HashMap::new();
    for statement in value.as_array().into_iter().flatten() {
        for row in statement["results"].as_array().into_iter().flatten() {
            if let (Some(shard), Some(orgs)) = (row["shard"].as_str(), row["orgs"].as_u64()) {
                load.insert(shard.to_owned(), orgs);
            }
        }
    }
    Ok(load)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(message) = run(&args) {
        eprintln!("scim-token: {message}");
        std::process::exit(2);
    }
}
