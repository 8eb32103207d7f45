//! The shard pool is declared once, in wrangler.toml: the `SHARDS` variable names each shard's
//! binding, and every `[[d1_databases]]` block is one of them. This checks that the two agree
//! (each binding has exactly one block, each block is a shard, the control shard is `DB`, every
//! shard gets the migrations) and that the worker's own parser accepts the variable.

use scim_edge::core::shard::{ShardConfig, DEFAULT_BINDING};
use std::fs;
use std::path::Path;

fn wrangler_toml() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("wrangler.toml"))
        .expect("wrangler.toml")
}

/// The value of `SHARDS = '''...'''` (a TOML multi-line literal string).
fn shards_var(toml: &str) -> String {
    let start = toml
        .find("SHARDS = '''")
        .expect("wrangler.toml sets SHARDS")
        + 12;
    let end = toml[start..].find("'''").expect("SHARDS ends with '''") + start;
    toml[start..end].to_owned()
}

/// `(binding, migrations_dir)` of every `[[d1_databases]]` block.
fn d1_blocks(toml: &str) -> Vec<(String, Option<String>)> {
    toml.split("\n[")
        .filter(|block| block.starts_with("[d1_databases]]"))
        .map(|block| {
            let value = |key: &str| {
                block.lines().find_map(|line| {
                    line.strip_prefix(&format!("{key} = \""))
                        .and_then(|rest| rest.strip_suffix('"'))
                        .map(str::to_owned)
                })
            };
            (value("binding").expect("binding"), value("migrations_dir"))
        })
        .collect()
}

#[test]
fn shards_and_d1_bindings_agree() {
    let toml = wrangler_toml();
    let config = ShardConfig::parse(Some(&shards_var(&toml))).expect("SHARDS parses");
    let blocks = d1_blocks(&toml);
    assert_eq!(config.control().binding, DEFAULT_BINDING);
    let bindings: Vec<&str> = config.shards().iter().map(|s| s.binding.as_str()).collect();
    let declared: Vec<&str> = blocks.iter().map(|(b, _)| b.as_str()).collect();
    assert_eq!(bindings, declared, "SHARDS and [[d1_databases]] differ");
    for (binding, migrations) in &blocks {
        assert_eq!(
            migrations.as_deref(),
            Some("migrations"),
            "{binding} must get the migrations"
        );
    }
    assert!(
        config
            .shards()
            .iter()
            .any(|s| s.labels.iter().any(|l| l == "eu")),
        "the shipped pool has an eu shard (docs/deploy.md)"
    );
}

#[test]
fn local_scripts_migrate_every_binding_they_are_told_about() {
    // The scripts read the bindings from wrangler.toml rather than listing them.
    for script in ["scripts/local-worker.sh", "scripts/d1-bindings.sh"] {
        let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(script))
            .unwrap_or_else(|e| panic!("{script}: {e}"));
        assert!(!text.contains("DB_S2"), "{script} names a shard");
    }
}
