#!/usr/bin/env bash
# Soak (`make soak`, not part of `make test`): a fresh `wrangler dev` on a free loopback port
# with a fresh local state and SOAK_ORGS seeded orgs, then scripts/soak.py for SOAK_SECONDS
# (default 300) at SOAK_CONCURRENCY (default 32). Stops wrangler on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh

source scripts/local-worker.sh
start_local_worker soak- "${SOAK_ORGS:-16}" --log-level warn

SOAK_BASE_URL="$base" SOAK_TOKENS="$state/tokens.json" SOAK_PGID="$wrangler_pid" \
  python3 scripts/soak.py
