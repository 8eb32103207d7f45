#!/usr/bin/env bash
# Prints the binding of every [[d1_databases]] block of a wrangler config (default
# wrangler.toml), one a line: the shard pool's databases (docs/scaling.md). Scripts apply
# migrations to each one from this list, so no script names a shard.
set -euo pipefail
config=${1:-wrangler.toml}
awk '/^\[\[d1_databases\]\]/{inblock=1; next} /^\[/{inblock=0} inblock && /^binding = "/{gsub(/^binding = "|"$/, ""); print}' "$config"
