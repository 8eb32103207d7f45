#!/usr/bin/env bash
# Makes an org's SCIM token and stores its hash in KV (local by default).
#   token.sh --new ORG [--persist DIR] [--remote [--config FILE]]   always a new token (replaces
#                                                    the old one); --remote writes the deployed
#                                                    namespace (FILE: wrangler.deploy.toml if present)
#   token.sh --ensure ORG [--persist DIR]            a new token only when the org has none
#   --shard NAME | --placement LABEL                 where a new org goes (docs/scaling.md):
#                                                    a named shard, or the least-loaded shard
#                                                    with the label; default the least-loaded
#                                                    shard. An existing org keeps its shard.
# The token is printed once, alone, as the last line of stdout; only its SHA-256 hash is stored.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh

mode=""; org=""; persist=".wrangler/state"; remote=0; config=""; shard=""; placement=""
[ -f wrangler.deploy.toml ] && config=wrangler.deploy.toml
while [ $# -gt 0 ]; do
  case "$1" in
    --new|--ensure) mode="$1"; org="${2:-}"; shift 2 ;;
    --persist) persist="$2"; shift 2 ;;
    --remote) remote=1; shift ;;
    --config) config="$2"; shift 2 ;;
    --shard) shard="$2"; shift 2 ;;
    --placement) placement="$2"; shift 2 ;;
    *) echo "token.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if ! [[ "$org" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]]; then
  echo "token.sh: '$org' is not a valid org name ([A-Za-z0-9][A-Za-z0-9._-]{0,63})" >&2; exit 2
fi
# SCIM endpoint names cannot be orgs (src/core/org.rs RESERVED_ORG_NAMES).
case "${org,,}" in
  users|groups|serviceproviderconfig|resourcetypes|schemas|bulk|me)
    echo "token.sh: '$org' is a SCIM endpoint name and cannot be an org name" >&2; exit 2 ;;
esac

where=(--local --persist-to "$persist")
# The deployed namespace's id is in the config `make deploy` writes, not in wrangler.toml.
if [ "$remote" = 1 ]; then
  where=(--remote)
  [ -n "$config" ] && where+=(--config "$config")
fi

existing=$(wrangler kv key get "org:$org" --binding TOKENS "${where[@]}" 2>/dev/null || true)
if [ "$mode" = "--ensure" ] && grep -q '"sha256"' <<<"$existing"; then
  echo "==> org '$org' already has a token (make token ORG=$org makes a new one, replacing it)"
  exit 0
fi

bin=target/release/scim-token
if [ ! -x "$bin" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$bin" -print -quit)" ]; then
  cargo build --quiet --release --bin scim-token
fi

# The shard: an existing org keeps its own; a new one is placed as POST /admin/orgs/{org}/token
# places it (scim-token place runs the worker's own code), from the SHARDS variable and the
# registry's org count per shard.
cfg=${config:-wrangler.toml}
d1_where=(--local --persist-to "$persist")
if [ "$remote" = 1 ]; then
  d1_where=(--remote)
  [ -n "$config" ] && d1_where+=(--config "$config")
fi
control=$(bash scripts/d1-bindings.sh "$cfg" | head -n 1)
if grep -q '"sha256"' <<<"$existing"; then
  target=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get("shard") or "")' "$existing")
  if [ -n "$shard" ] && [ "$shard" != "${target:-$shard}" ]; then
    echo "token.sh: org '$org' lives on shard '$target'; move it with POST /admin/orgs/$org/move" >&2; exit 2
  fi
else
  shards=$(python3 scripts/shards-var.py "$cfg")
  spec=""
  [ -n "$shard" ] && spec="shard:$shard"
  [ -n "$placement" ] && spec="label:$placement"
  load=$(wrangler d1 execute "$control" "${d1_where[@]}" --json \
    --command "SELECT shard, COUNT(*) AS orgs FROM orgs WHERE shard IS NOT NULL GROUP BY shard" 2>/dev/null || echo "[]")
  target=$("$bin" place "$shards" "$load" $spec) || exit 2
fi

out=$("$bin" new ${target:+"$target"})
token=$(sed -n 1p <<<"$out")
record=$(sed -n 2p <<<"$out")
if ! wrangler_out=$(wrangler kv key put "org:$org" "$record" --binding TOKENS "${where[@]}" 2>&1); then
  # Wrangler's own message says why (not logged in, no such namespace, wrong account, ...).
  printf '%s\n' "$wrangler_out" >&2
  echo "token.sh: storing the token hash in KV failed (wrangler's output above); no token was made" >&2
  exit 1
fi
# The registry (the console's list, placement's counts): best effort, the org works without it.
registry_sql=$(python3 scripts/shards-var.py --registry-sql "$org" "$record")
wrangler d1 execute "$control" "${d1_where[@]}" --command "$registry_sql" >/dev/null 2>&1 ||
  echo "token.sh: note: the org registry was not updated (migrations not applied?)" >&2
echo "==> new SCIM token for org '$org' on shard '${target:-the control shard}' (shown once; any previous token no longer works):" >&2
echo "$token"
