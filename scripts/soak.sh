#!/usr/bin/env bash
# Soak (`make soak`, not part of `make test`): a fresh `wrangler dev` on a free loopback port
# with a fresh local state and SOAK_ORGS seeded orgs, then scripts/soak.py for SOAK_SECONDS
# (default 300) at SOAK_CONCURRENCY (default 32). Stops wrangler on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh

state=$(mktemp -d -t scim-soak-XXXXXX)
wrangler_pid=""
cleanup() {
  if [ -n "$wrangler_pid" ]; then
    kill -- "-$wrangler_pid" 2>/dev/null || kill "$wrangler_pid" 2>/dev/null || true
    wait "$wrangler_pid" 2>/dev/null || true
  fi
  rm -rf "$state"
}
trap cleanup EXIT

wrangler d1 execute DB --local --persist-to "$state" --file schema.sql >/dev/null
cargo build --quiet --release --bin scim-token
target/release/scim-token seed "$state/kv.json" "${SOAK_ORGS:-16}" soak- > "$state/tokens.json"
wrangler kv bulk put "$state/kv.json" --binding TOKENS --local --persist-to "$state" >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setsid "$PWD/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$port" --persist-to "$state" \
  --log-level warn >"$state/wrangler.log" 2>&1 &
wrangler_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  if curl -fsS "$base/health" >/dev/null 2>&1; then break; fi
  kill -0 "$wrangler_pid" 2>/dev/null || { cat "$state/wrangler.log" >&2; exit 1; }
  sleep 0.5
done

SOAK_BASE_URL="$base" SOAK_TOKENS="$state/tokens.json" SOAK_PGID="$wrangler_pid" \
  python3 scripts/soak.py
