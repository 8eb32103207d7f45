#!/usr/bin/env bash
# `make bench`: builds the release worker, the floor worker and the load generator, runs the
# criterion micro-benchmarks, then starts scim-edge and the floor under `wrangler dev` (fresh
# local state each), scim2-server from a virtualenv and Ory Polis (bench/polis: its library on
# SQLite behind a small Node HTTP wrapper, on the system Node 20), all on loopback ports, runs the
# workloads against them interleaved, stops everything, and writes
# bench/results/<timestamp>.{json,md,png}. QUICK=1 makes every phase short.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/tool-env.sh
quick=${QUICK:-0}
[ "$quick" = 1 ] || quick=0
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=bench/results
mkdir -p "$results"
export CARGO_TARGET_DIR="$root/target"
say() { printf '==> bench: %s\n' "$*" >&2; }
t0=$(date +%s)
phase() { say "$* (+$(( $(date +%s) - t0 ))s)"; }

state=$(mktemp -d -t scim-bench-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$state"
}
trap cleanup EXIT

phase "tools and builds"
bash scripts/install-tools.sh
bash scripts/build.sh
cargo build --quiet --release --bin scim-token
floor_out=bench/floor/build/worker/shim.mjs
if [ ! -f "$floor_out" ] || [ -n "$(find bench/floor/src bench/floor/Cargo.toml -newer "$floor_out" -print -quit)" ]; then
  (cd bench/floor && worker-build --release) >"$state/floor-build.log" 2>&1 || {
    cat "$state/floor-build.log" >&2; exit 1; }
  touch "$floor_out"
fi
cargo build --quiet --release --manifest-path bench/loadgen/Cargo.toml
loadgen="$CARGO_TARGET_DIR/release/scim-edge-loadgen"

phase "python virtualenv (scim2-server, matplotlib)"
venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
if ! "$venv/bin/python" -c 'import scim2_server, matplotlib' 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements.txt
fi

phase "Ory Polis (bench/polis, npm ci on the system Node 20 when missing)"
polis_status="running"
if polis_node=$(bash bench/polis/install.sh 2>"$state/polis-install.log" | tail -1); then
  polis_node=${polis_node%% *}
else
  polis_status="not installed: $(tail -3 "$state/polis-install.log" | tr '\n' ' ')"
  say "polis: $polis_status; continuing without it"
fi

phase "criterion micro-benchmarks (benches/core.rs)"
if [ "$quick" = 1 ]; then crit=(--warm-up-time 0.5 --measurement-time 1 --sample-size 20)
else crit=(--warm-up-time 1 --measurement-time 3); fi
rm -rf "$CARGO_TARGET_DIR/criterion"
cargo bench --quiet --bench core -- "${crit[@]}" >"$state/criterion.log" 2>&1 || {
  cat "$state/criterion.log" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

if [ "$polis_status" = running ]; then
  polis_port=$(free_port)
  phase "starting polis :$polis_port (it fills its second directory while the state is seeded)"
  # No analytics (noAnalytics in server.mjs, DO_NOT_TRACK) and no metrics exporter: nothing
  # leaves loopback.
  (cd bench/polis && exec setsid env -u OTEL_EXPORTER_OTLP_ENDPOINT -u OTEL_EXPORTER_OTLP_METRICS_ENDPOINT \
    DO_NOT_TRACK=1 "$polis_node" server.mjs --port "$polis_port" --db "$state/polis.sqlite" \
    --out "$state/polis.json" --fill 1000 --fill-org bench-2) >"$state/polis.log" 2>&1 &
  pids+=($!)
  polis_pid=$!
fi

phase "fresh local state: schema, tokens, scale orgs seeded through SQL"
edge_state="$state/edge"; floor_state="$state/floor"; mkdir -p "$edge_state" "$floor_state"
wrangler d1 execute DB --local --persist-to "$edge_state" --file schema.sql >/dev/null
target/release/scim-token seed "$state/kv.json" 3 bench- >"$state/tokens.json"
wrangler kv bulk put "$state/kv.json" --binding TOKENS --local --persist-to "$edge_state" >/dev/null
# bench-1: the Entra sync and steady state; bench-2: 1,000 users; bench-3: 100,000 users.
"$loadgen" seed-sql bench-2 1000 10 >"$state/seed-1k.sql"
"$loadgen" seed-sql bench-3 100000 50000 >"$state/seed-100k.sql"
wrangler d1 execute DB --local --persist-to "$edge_state" --file "$state/seed-1k.sql" >/dev/null
wrangler d1 execute DB --local --persist-to "$edge_state" --file "$state/seed-100k.sql" >/dev/null

# Five distinct free ports: each wrangler dev also opens an inspector port (default 9229,
# which another wrangler on the machine may hold).
ports=()
while [ "${#ports[@]}" -lt 5 ]; do
  p=$(free_port)
  [[ " ${ports[*]} " == *" $p "* || "$p" == "${polis_port:-}" ]] || ports+=("$p")
done
edge_port=${ports[0]}; floor_port=${ports[1]}; peer_port=${ports[2]}
peer_token="bench-peer-$(date +%s%N)"

phase "starting scim-edge :$edge_port, floor :$floor_port, scim2-server :$peer_port"
# setsid: each server gets its own process group, so cleanup stops workerd too.
# RATE_LIMIT=off: the bench drives one org far above the per-org limit on purpose.
setsid "$root/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$edge_port" --var RATE_LIMIT:off \
  --inspector-port "${ports[3]}" --persist-to "$edge_state" --log-level warn >"$state/edge.log" 2>&1 &
pids+=($!)
(cd bench/floor && exec setsid "$root/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$floor_port" \
  --inspector-port "${ports[4]}" --persist-to "$floor_state" --log-level warn) >"$state/floor.log" 2>&1 &
pids+=($!)
peer_status="running"
setsid "$venv/bin/scim2-server" --hostname 127.0.0.1 --port "$peer_port" \
  --bearer-token "$peer_token" >"$state/peer.log" 2>&1 &
pids+=($!)

wait_for() { # NAME URL [TOKEN]
  local auth=()
  [ -n "${3:-}" ] && auth=(-H "Authorization: Bearer $3")
  for _ in $(seq 1 120); do
    if curl -fsS "${auth[@]}" "$2" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  say "$1 did not answer $2"; return 1
}
wait_for scim-edge "http://127.0.0.1:$edge_port/health" || { tail -40 "$state/edge.log" >&2; exit 1; }
wait_for floor "http://127.0.0.1:$floor_port/" || { tail -40 "$state/floor.log" >&2; exit 1; }
if ! wait_for scim2-server "http://127.0.0.1:$peer_port/v2/ServiceProviderConfig" "$peer_token"; then
  peer_status="did not start: $(tail -5 "$state/peer.log" | tr '\n' ' ')"
  say "scim2-server: $peer_status; continuing without the peer"
fi

if [ "$polis_status" = running ]; then
  # It fills its second directory (1,000 users) before it listens: allow for that.
  for _ in $(seq 1 360); do [ -s "$state/polis.json" ] && break; sleep 0.5; done
  if [ ! -s "$state/polis.json" ]; then
    polis_status="did not start: $(tail -5 "$state/polis.log" | tr '\n' ' ')"
    say "polis: $polis_status; continuing without it"
  fi
fi

phase "workloads"
"$venv/bin/python" - "$state" "$edge_port" "$floor_port" "$peer_port" "$peer_token" "$quick" "$peer_status" "$polis_status" <<'PY'
import json, sys
state, edge, floor, peer, token, quick, peer_status, polis_status = sys.argv[1:]
polis = None
if polis_status == "running":
    sync_dir, hot_dir = json.load(open(f"{state}/polis.json"))["directories"]
    polis = {"base": sync_dir["base"], "token": sync_dir["secret"],
             "hot": {"base": hot_dir["base"], "token": hot_dir["secret"], "users": hot_dir["users"]}}
tokens = json.load(open(f"{state}/tokens.json"))
cfg = {
    "quick": quick == "1",
    "out": f"{state}/raw.json",
    "edge": {"base": f"http://127.0.0.1:{edge}", "tokens": tokens, "sync_org": "bench-1",
             "scale": [{"org": "bench-2", "users": 1000, "workload": "scale_1k"},
                       {"org": "bench-3", "users": 100000, "workload": "scale_100k"}]},
    "floor": f"http://127.0.0.1:{floor}/",
    "peer": {"base": f"http://127.0.0.1:{peer}/v2", "token": token} if peer_status == "running" else None,
    "polis": polis,
}
json.dump(cfg, open(f"{state}/config.json", "w"))
PY
"$loadgen" run "$state/config.json"

if [ "$polis_status" = running ] && ! kill -0 "$polis_pid" 2>/dev/null; then
  polis_status="exited during the run: $(grep -m1 -E 'Error|error' "$state/polis.log" | cut -c1-200)"
  say "polis: $polis_status"
fi

phase "stopping the servers"
cleanup_servers() {
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
cleanup_servers

phase "report"
if [ "$polis_status" = running ]; then
  polis_status="ran to the end: @boxyhq/saml-jackson $(cd bench/polis && "$polis_node" -p "require('@boxyhq/saml-jackson/package.json').version") on SQLite, Node $("$polis_node" --version); $(grep -o 'filled .*' "$state/polis.log" | head -1); $(grep -c 'query failed' "$state/polis.log" || true) failed SQL statements in its log"
fi
wrangler_version=$("$root/node_modules/.bin/wrangler" --version 2>/dev/null | tail -1)
"$venv/bin/python" bench/report.py --raw "$state/raw.json" --criterion "$CARGO_TARGET_DIR/criterion" \
  --wasm build/index_bg.wasm --floor-wasm bench/floor/build/index_bg.wasm --out "$results/$stamp" \
  --quick "$quick" --peer-status "$peer_status" --polis-status "$polis_status" --wrangler "$wrangler_version" \
  --load "$(cut -d' ' -f1-3 /proc/loadavg)" --elapsed "$(( $(date +%s) - t0 ))"
phase "done: $results/$stamp.md"
