#!/usr/bin/env bash
# End-to-end suite: starts the built worker under `wrangler dev` on a free loopback port with
# a fresh local state (a temp dir), applies schema.sql, seeds orgs e2e-1..e2e-N with tokens,
# runs `cargo test --features e2e --test e2e` against it, and stops it again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh
source scripts/local-worker.sh

export SCIM_E2E_ADMIN_SECRET="e2e-admin-$(date +%s%N)"
# LOCAL_DEV: webhooks may post to the tests' loopback receivers; one-second retry delays so
# the retry test does not wait minutes; --test-scheduled lets the tests run the events cron.
printf 'ADMIN_SECRET=%s\nLOCAL_DEV=true\nWEBHOOK_RETRY_DELAYS=1,1,1,1,1\n' "$SCIM_E2E_ADMIN_SECRET" > "$state/.dev.vars"
start_local_worker e2e- "${E2E_ORGS:-400}" --env-file "$state/.dev.vars" --log-level log --test-scheduled

status=0
SCIM_E2E_BASE_URL="$base" SCIM_E2E_TOKENS="$state/tokens.json" SCIM_E2E_PERSIST="$state" \
  cargo test --features e2e --test e2e -- --test-threads "${E2E_THREADS:-8}" "$@" || status=$?
if [ "$status" != 0 ]; then
  echo "==> wrangler dev log (last 60 lines):" >&2
  tail -n 60 "$state/wrangler.log" >&2
fi
exit "$status"
