# Sourced by e2e.sh and soak.sh: runs the already built worker under `wrangler dev` on a free
# loopback port with a fresh local state (a temp dir), every migration applied and orgs
# PREFIX1..PREFIXN seeded with tokens. Sets `state`, `base` and `wrangler_pid`; stops wrangler
# and removes the state on exit.
# shellcheck shell=bash

wrangler_pid=""
state=$(mktemp -d -t scim-local-XXXXXX)
cleanup_local_worker() {
  if [ -n "$wrangler_pid" ]; then
    kill -- "-$wrangler_pid" 2>/dev/null || kill "$wrangler_pid" 2>/dev/null || true
    wait "$wrangler_pid" 2>/dev/null || true
  fi
  rm -rf "$state"
}
trap cleanup_local_worker EXIT

# start_local_worker PREFIX COUNT [wrangler dev options...]
start_local_worker() {
  local prefix="$1" count="$2"
  shift 2
  # The same migrations a deployment gets, on every shard's local database (CI=1: wrangler
  # confirms nothing, CI has no stdin).
  local binding
  for binding in $(bash scripts/d1-bindings.sh wrangler.toml); do
    CI=1 wrangler d1 migrations apply "$binding" --local --persist-to "$state" >"$state/migrations.log" 2>&1 ||
      { echo "applying migrations to $binding failed:" >&2; cat "$state/migrations.log" >&2; exit 1; }
  done
  cargo build --quiet --release --bin scim-token
  target/release/scim-token seed "$state/kv.json" "$count" "$prefix" > "$state/tokens.json"
  wrangler kv bulk put "$state/kv.json" --binding TOKENS --local --persist-to "$state" >/dev/null

  # The worker is already built: run wrangler from a copy of wrangler.toml without the [build]
  # command, so nothing is rebuilt and no edit under src/ restarts the worker mid-run.
  sed -e '/^\[build\]/,/^$/d' -e "s|^main = \"|main = \"$PWD/|" wrangler.toml > "$state/wrangler.toml"

  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # setsid gives wrangler its own process group so cleanup stops workerd too.
  setsid "$PWD/node_modules/.bin/wrangler" dev --config "$state/wrangler.toml" --ip 127.0.0.1 \
    --port "$port" --persist-to "$state" "$@" >"$state/wrangler.log" 2>&1 &
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
}
