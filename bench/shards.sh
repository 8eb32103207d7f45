#!/usr/bin/env bash
# `make bench-shards`: the shards workload (docs/scaling.md, docs/benchmarks.md). Runs the built
# worker under `wrangler dev` with FOUR local D1 databases (wrangler.toml's three plus a fourth,
# s4, added to a temporary copy), places 8 orgs on one shard and 8 orgs over four shards, seeds
# them through SCIM, and runs the steady mix (bench/shards.py) at concurrency 32 over each
# group in alternating rounds; then the hot path (GET a user by id) with the isolate token cache
# on and, after a restart with TOKEN_CACHE=off, off. Writes bench/results/shards-<stamp>.{json,md}.
# SECONDS_PER_RUN (default 20) sets each measurement's length.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/tool-env.sh
per_run=${SECONDS_PER_RUN:-20}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
state=$(mktemp -d -t scim-shards-XXXXXX)
pid=""
stop_worker() {
  if [ -n "$pid" ]; then kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  pid=""
}
trap 'stop_worker; rm -rf "$state"' EXIT

bash scripts/build.sh
# The pool of wrangler.toml plus s4, in a copy without [build] (nothing is rebuilt).
python3 - "$state/wrangler.toml" "$root" <<'PY'
import json, sys, re
out, root = sys.argv[1:]
text = open("wrangler.toml").read()
text = re.sub(r"(?ms)^\[build\]\n.*?\n\n", "", text)
text = text.replace('main = "', f'main = "{root}/', 1)
start = text.index("SHARDS = '''") + len("SHARDS = '''")
end = text.index("'''", start)
shards = json.loads(text[start:end]) + [{"name": "s4", "binding": "DB_S4"}]
text = text[:start] + json.dumps(shards) + text[end:]
block = ('[[d1_databases]]\nbinding = "DB_S4"\ndatabase_name = "scim-edge-s4"\n'
         'database_id = "00000000-0000-0000-0000-000000000004"\nmigrations_dir = "migrations"\n\n')
i = text.index("[[kv_namespaces]]")
open(out, "w").write(text[:i] + block + text[i:])
PY
cp -r migrations "$state/migrations"
for binding in $(bash scripts/d1-bindings.sh "$state/wrangler.toml"); do
  CI=1 wrangler d1 migrations apply "$binding" --local --persist-to "$state/d1" --config "$state/wrangler.toml" >/dev/null
done
secret="bench-$(date +%s%N)"
printf 'ADMIN_SECRET=%s\n' "$secret" > "$state/.dev.vars"

start_worker() { # extra wrangler dev args...
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  setsid "$root/node_modules/.bin/wrangler" dev --config "$state/wrangler.toml" --ip 127.0.0.1 --port "$port" \
    --persist-to "$state/d1" --env-file "$state/.dev.vars" --var RATE_LIMIT:off --log-level warn "$@" \
    >"$state/wrangler.log" 2>&1 &
  pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 120); do curl -fsS "$base/health" >/dev/null 2>&1 && return 0; sleep 0.5; done
  cat "$state/wrangler.log" >&2; exit 1
}

start_worker
echo "==> bench shards: placing and seeding 17 orgs on $base"
python3 bench/shards.py setup "$base" "$secret" "$state"
for round in 1 2; do
  python3 bench/shards.py mix "$base" "$state" "$per_run" "one_shard:round$round"
  python3 bench/shards.py mix "$base" "$state" "$per_run" "four_shards:round$round"
done
python3 bench/shards.py hot "$base" "$state" "$per_run" "hot:cache_on"
stop_worker
start_worker --var TOKEN_CACHE:off
python3 bench/shards.py hot "$base" "$state" "$per_run" "hot:cache_off"
stop_worker
start_worker
python3 bench/shards.py hot "$base" "$state" "$per_run" "hot:cache_on_again"
stop_worker

cp "$state/results.json" "bench/results/shards-$stamp.json"
python3 - "$state/results.json" "bench/results/shards-$stamp.md" "$per_run" <<'PY'
import json, sys
results, out, per_run = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
load = open("/proc/loadavg").read().split()[:3]
lines = [f"# shards workload ({per_run} s per run, concurrency 32, load average {' '.join(load)})", "",
         "| run | requests | errors | req/s | p50 ms | p99 ms |", "| --- | --- | --- | --- | --- | --- |"]
for r in results:
    lines.append(f"| {r['label']} | {r['requests']} | {r['errors']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} |")
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
echo "==> bench shards: bench/results/shards-$stamp.md"
