#!/usr/bin/env bash
# Soak (`make soak`, not part of `make test`): a fresh `wrangler dev` on a free loopback port
# with a fresh local state and SOAK_ORGS seeded orgs, then scripts/soak.py for SOAK_SECONDS
# (default 300) at SOAK_CONCURRENCY (default 32). Stops wrangler on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh

source scripts/local-worker.sh
# --log-level log keeps the per-request JSON lines, which carry the wasm instance's memory.
start_local_worker soak- "${SOAK_ORGS:-16}" --log-level log

SOAK_BASE_URL="$base" SOAK_TOKENS="$state/tokens.json" SOAK_PGID="$wrangler_pid" \
  python3 scripts/soak.py

# The worker's own memory: wasm linear memory as logged per request (first, last, max). The
# wrangler/workerd RSS above also grows for a storage-free floor worker under `wrangler dev`;
# the linear memory tells whether our worker does.
python3 - "$state/wrangler.log" <<'PY'
import re, sys
values = [int(v) for v in re.findall(r'"wasm_memory_kib":(\d+)', open(sys.argv[1]).read())]
if not values:
    sys.exit("soak: no wasm_memory_kib in the wrangler log")
first, last, peak = values[0], values[-1], max(values)
print(f"==> wasm linear memory KiB over {len(values)} requests: first {first}, last {last}, max {peak}")
if last > 4 * max(first, 1024):
    sys.exit("soak: the worker's wasm memory grew more than 4x")
PY
