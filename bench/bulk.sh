#!/usr/bin/env bash
# `make bench-bulk`: the `bulk` workload (bench/bulk.py, docs/bulk.md) against the built worker
# under `wrangler dev` with a fresh local state (per-org rate limit off: one org takes 1,020
# requests in the single-request run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh
bash scripts/build.sh >/dev/null
source scripts/local-worker.sh
start_local_worker bench-bulk- 2 --var RATE_LIMIT:off
python3 bench/bulk.py "$base" "$state/tokens.json"
