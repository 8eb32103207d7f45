#!/usr/bin/env bash
# End-to-end suite: starts the built worker under `wrangler dev` on a free loopback port with
# a fresh local state (a temp dir), applies the migrations, seeds orgs e2e-1..e2e-N with tokens,
# runs `cargo test --features e2e --test e2e` against it, then the provisioning self-test
# (`make smoke`, examples/scim_smoke/) and the browser tests of the console (tests/browser,
# headless Chromium) against the same worker, and stops it again.
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
if [ "$status" = 0 ]; then
  # The self-test operators run after a deploy, on an org of its own: once plain, once with
  # Entra's PATCH flag in the tenant URL.
  smoke_org="e2e-smoke"
  smoke_token=$(target/release/scim-token seed "$state/smoke-kv.json" 1 "$smoke_org" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["e2e-smoke1"])')
  wrangler kv bulk put "$state/smoke-kv.json" --binding TOKENS --local --persist-to "$state" >/dev/null
  for url in "$base/scim/v2/${smoke_org}1" "$base/scim/v2/${smoke_org}1?aadOptscim062020"; do
    echo "==> make smoke URL=$url"
    SCIM_SMOKE_TOKEN="$smoke_token" cargo run --quiet --example scim_smoke -- "$url" || { status=$?; break; }
  done
fi
# The console and setup page in headless Chromium, against the same worker (tests/browser).
# Skipped when the Rust suite failed or was filtered, and with E2E_BROWSER=0.
if [ "$status" = 0 ] && [ $# = 0 ] && [ "${E2E_BROWSER:-1}" != 0 ]; then
  # Screenshots go to a temporary folder; SCREENSHOTS=docs/images refreshes those of the docs.
  SCIM_E2E_BASE_URL="$base" SCIM_E2E_PERSIST="$state" SCREENSHOTS="${SCREENSHOTS:-$state/screenshots}" \
    node --test --test-concurrency=1 tests/browser/console.test.mjs || status=$?
fi
if [ "$status" != 0 ]; then
  # The whole log outlives the temp state, for a failure that the last lines do not explain.
  mkdir -p target && cp "$state/wrangler.log" target/e2e-wrangler.log
  echo "==> wrangler dev log (last 60 lines; all of it in target/e2e-wrangler.log):" >&2
  tail -n 60 "$state/wrangler.log" >&2
fi
exit "$status"
