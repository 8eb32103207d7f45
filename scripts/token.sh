#!/usr/bin/env bash
# Makes an org's SCIM token and stores its hash in KV (local by default).
#   token.sh --new ORG [--persist DIR] [--remote [--config FILE]]   always a new token (replaces
#                                                    the old one); --remote writes the deployed
#                                                    namespace (FILE: wrangler.deploy.toml if present)
#   token.sh --ensure ORG [--persist DIR]            a new token only when the org has none
# The token is printed once, alone, as the last line of stdout; only its SHA-256 hash is stored.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh

mode=""; org=""; persist=".wrangler/state"; remote=0; config=""
[ -f wrangler.deploy.toml ] && config=wrangler.deploy.toml
while [ $# -gt 0 ]; do
  case "$1" in
    --new|--ensure) mode="$1"; org="${2:-}"; shift 2 ;;
    --persist) persist="$2"; shift 2 ;;
    --remote) remote=1; shift ;;
    --config) config="$2"; shift 2 ;;
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

if [ "$mode" = "--ensure" ]; then
  if wrangler kv key get "org:$org" --binding TOKENS "${where[@]}" 2>/dev/null | grep -q '"sha256"'; then
    echo "==> org '$org' already has a token (make token ORG=$org makes a new one, replacing it)"
    exit 0
  fi
fi

bin=target/release/scim-token
if [ ! -x "$bin" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$bin" -print -quit)" ]; then
  cargo build --quiet --release --bin scim-token
fi
out=$("$bin" new)
token=$(sed -n 1p <<<"$out")
record=$(sed -n 2p <<<"$out")
if ! wrangler_out=$(wrangler kv key put "org:$org" "$record" --binding TOKENS "${where[@]}" 2>&1); then
  # Wrangler's own message says why (not logged in, no such namespace, wrong account, ...).
  printf '%s\n' "$wrangler_out" >&2
  echo "token.sh: storing the token hash in KV failed (wrangler's output above); no token was made" >&2
  exit 1
fi
echo "==> new SCIM token for org '$org' (shown once; any previous token no longer works):" >&2
echo "$token"
