#!/usr/bin/env bash
# End-to-end suite: starts the built worker under `wrangler dev` on a free loopback port with
# a fresh local state (a temp dir), applies schema.sql, seeds orgs e2e-1..e2e-N with tokens,
# runs `cargo test --features e2e --test e2e` against it, and stops it again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh

state=$(mktemp -d -t scim-e2e-XXXXXX)
wrangler_pid=""
cleanup() {
  if [ -n "$wrangler_pid" ]; then
    kill -- "-$wrangler_pid" 2>/dev/null || kill "$wrangler_pid" 2>/dev/null || true
    wait "$wrangler_pid" 2>/dev/null || true
  fi
  rm -rf "$state"
}
trap cleanup EXIT

export SCIM_E2E_ADMIN_SECRET="e2e-admin-$(date +%s%N)"
printf 'ADMIN_SECRET=%s\n' "$SCIM_E2E_ADMIN_SECRET" > "$state/.dev.vars"

wrangler d1 execute DB --local --persist-to "$state" --file schema.sql >/dev/null
cargo build --quiet --release --bin scim-token
target/release/scim-token seed "$state/kv.json" "${E2E_ORGS:-400}" e2e- > "$state/tokens.json"
wrangler kv bulk put "$state/kv.json" --binding TOKENS --local --persist-to "$state" >/dev/null

# The worker is already built: run wrangler from a copy of wrangler.toml without the [build]
# command, so nothing is rebuilt and no edit under src/ restarts the worker mid-suite.
sed -e '/^\[build\]/,/^$/d' -e "s|^main = \"|main = \"$PWD/|" wrangler.toml > "$state/wrangler.toml"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# setsid gives wrangler its own process group so cleanup stops workerd too.
setsid "$PWD/node_modules/.bin/wrangler" dev --config "$state/wrangler.toml" --ip 127.0.0.1 --port "$port" --persist-to "$state" \
  --env-file "$state/.dev.vars" --log-level log >"$state/wrangler.log" 2>&1 &
wrangler_pid=$!

base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  if curl -fsS "$base/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$wrangler_pid" 2>/dev/null; then
    echo "wrangler dev exited early:" >&2; cat "$state/wrangler.log" >&2; exit 1
  fi
  sleep 0.5
done
curl -fsS "$base/health" >/dev/null || { echo "wrangler dev did not answer /health" >&2; cat "$state/wrangler.log" >&2; exit 1; }
echo "==> wrangler dev on $base (state in $state)"

status=0
SCIM_E2E_BASE_URL="$base" SCIM_E2E_TOKENS="$state/tokens.json" SCIM_E2E_PERSIST="$state" \
  cargo test --features e2e --test e2e -- --test-threads "${E2E_THREADS:-8}" "$@" || status=$?
if [ "$status" != 0 ]; then
  echo "==> wrangler dev log (last 60 lines):" >&2
  tail -n 60 "$state/wrangler.log" >&2
fi
exit "$status"
