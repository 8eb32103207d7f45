//! The shard pool: the D1 databases the worker binds, each with a name and optional labels
//! (`eu`, `us`, ...). It is declared once, in the `SHARDS` variable of wrangler.toml (a JSON
//! list), and read here; nothing else in the code names a shard. Without `SHARDS` the pool is
//! the one database bound as `DB`, named `main`.
//!
//! The first shard is the control shard: it holds the org registry (`orgs`, with each org's shard) and is
//! where an org record without a `shard` lives (records written before shards existed).

use serde::Deserialize;

/// The name of the only shard when `SHARDS` is not set.
pub const DEFAULT_SHARD: &str = "main";
/// The binding of the only shard when `SHARDS` is not set (and of the control shard in the
/// shipped wrangler.toml).
pub const DEFAULT_BINDING: &str = "DB";
/// The wrangler.toml variable that declares the pool.
pub const SHARDS_VAR: &str = "SHARDS";

/// One shard: a D1 binding, the name org records use for it, and its labels.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    pub name: String,
    pub binding: String,
    #[serde(default)]
    pub labels: Vec<String>,
    /// How `make deploy` creates the database when it is missing (`wrangler d1 create
    /// --jurisdiction`); fixed at creation, never read by the worker.
    #[serde(default)]
    pub jurisdiction: Option<String>,
    /// Likewise `--location` (a placement hint such as `weur`).
    #[serde(default)]
    pub location: Option<String>,
}

/// The pool, in declaration order (the first is the control shard).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardConfig {
    shards: Vec<Shard>,
}

/// How a new org is placed: on a named shard, on a shard carrying a label, or anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Shard(String),
    Label(String),
    Any,
}

impl ShardConfig {
    /// The pool of one database, `DB`, named `main`.
    pub fn single() -> ShardConfig {
        ShardConfig {
            shards: vec![Shard {
                name: DEFAULT_SHARD.to_owned(),
                binding: DEFAULT_BINDING.to_owned(),
                labels: Vec::new(),
                jurisdiction: None,
                location: None,
            }],
        }
    }

    /// Parses the `SHARDS` variable; `None` (unset or blank) is the single default shard.
    /// Names and bindings must be unique and non-empty, the list non-empty.
    pub fn parse(raw: Option<&str>) -> Result<ShardConfig, String> {
        let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
            return Ok(Self::single());
        };
        let shards: Vec<Shard> =
            serde_json::from_str(raw).map_err(|e| format!("SHARDS is not a shard list: {e}"))?;
        if shards.is_empty() {
            return Err("SHARDS lists no shard".into());
        }
        for (i, shard) in shards.iter().enumerate() {
            let valid_name = !shard.name.is_empty()
                && shard.name.len() <= 32
                && shard
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid_name {
                return Err(format!(
                    "SHARDS: shard name '{}' must be 1-32 of [A-Za-z0-9_-]",
                    shard.name
                ));
            }
            if shard.binding.is_empty() {
                return Err(format!("SHARDS: shard '{}' has no binding", shard.name));
            }
            if shards[..i].iter().any(|s| s.name == shard.name) {
                return Err(format!("SHARDS: shard name '{}' is used twice", shard.name));
            }
            if shards[..i].iter().any(|s| s.binding == shard.binding) {
                return Err(format!("SHARDS: binding '{}' is used twice", shard.binding));
            }
        }
        Ok(ShardConfig { shards })
    }

    pub fn shards(&self) -> &[Shard] {
        &self.shards
    }

    /// The control shard (the first): registry, and records without a shard.
    pub fn control(&self) -> &Shard {
        &self.shards[0]
    }

    /// The position of the shard called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.shards.iter().position(|s| s.name == name)
    }

    /// The shards a placement allows, by position; empty when a named shard or a label does
    /// not exist.
    pub fn eligible(&self, placement: &Placement) -> Vec<usize> {
        (0..self.shards.len())
            .filter(|&i| match placement {
                Placement::Any => true,
                Placement::Shard(name) => &self.shards[i].name == name,
                Placement::Label(label) => self.shards[i].labels.iter().any(|l| l == label),
            })
            .collect()
    }

    /// Picks the least-loaded shard a placement allows, given each shard's load (orgs placed
    /// there, by position). Ties go to the earlier shard. `None`: no shard is eligible.
    pub fn place(&self, placement: &Placement, load: &[u64]) -> Option<usize> {
        self.eligible(placement)
            .into_iter()
            .min_by_key(|&i| (load.get(i).copied().unwrap_or(0), i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POOL: &str = r#"[
        {"name": "main", "binding": "DB"},
        {"name": "s2", "binding": "DB_S2"},
        {"name": "eu1", "binding": "DB_EU1", "labels": ["eu"]}
    ]"#;

    #[test]
    fn unset_is_the_single_default_shard() {
        for raw in [None, Some(""), Some("  ")] {
            let config = ShardConfig::parse(raw).unwrap();
            assert_eq!(config.shards().len(), 1);
            assert_eq!(config.control().name, DEFAULT_SHARD);
            assert_eq!(config.control().binding, DEFAULT_BINDING);
        }
    }

    #[test]
    fn parses_a_pool_and_rejects_bad_ones() {
        let config = ShardConfig::parse(Some(POOL)).unwrap();
        assert_eq!(config.shards().len(), 3);
        assert_eq!(config.index_of("eu1"), Some(2));
        assert_eq!(config.shards()[2].labels, vec!["eu".to_owned()]);
        for bad in [
            "[]",
            "{}",
            r#"[{"name": "a", "binding": "DB"}, {"name": "a", "binding": "DB2"}]"#,
            r#"[{"name": "a", "binding": "DB"}, {"name": "b", "binding": "DB"}]"#,
            r#"[{"name": "", "binding": "DB"}]"#,
            r#"[{"name": "a b", "binding": "DB"}]"#,
            r#"[{"name": "a", "binding": ""}]"#,
            r#"[{"name": "a", "binding": "DB", "region": "eu"}]"#,
        ] {
            assert!(ShardConfig::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn placement_picks_the_least_loaded_eligible_shard() {
        let config = ShardConfig::parse(Some(POOL)).unwrap();
        assert_eq!(config.place(&Placement::Any, &[3, 1, 2]), Some(1));
        assert_eq!(config.place(&Placement::Any, &[1, 1, 1]), Some(0));
        assert_eq!(config.place(&Placement::Any, &[]), Some(0));
        assert_eq!(
            config.place(&Placement::Label("eu".into()), &[0, 0, 9]),
            Some(2)
        );
        assert_eq!(
            config.place(&Placement::Shard("s2".into()), &[0, 9, 0]),
            Some(1)
        );
        assert_eq!(config.place(&Placement::Label("us".into()), &[0]), None);
        assert_eq!(config.place(&Placement::Shard("nope".into()), &[0]), None);
    }
}
