#!/usr/bin/env bash
# Runs every cargo-fuzz target for FUZZ_SECONDS (default 60) each and prints, per target, the
# executions run and the crashes found. Usage: scripts/fuzz.sh [target ...]
#
# cargo-fuzz needs nightly-only flags (-Zsanitizer); on the stable toolchain RUSTC_BOOTSTRAP=1
# enables them. The corpus grows in fuzz/corpus/<target> (seeded from fuzz/seeds/<target> and,
# for patch_apply, the replay fixtures); crashing inputs land in fuzz/artifacts/<target>/ and
# each one found must become a native regression test.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz (takes a few minutes)" >&2
  cargo install cargo-fuzz --locked || exit 1
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi

# Seeds: the committed ones, plus every PATCH replay fixture case for patch_apply.
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  [ -d "fuzz/seeds/$t" ] && cp -n fuzz/seeds/"$t"/* "fuzz/corpus/$t/" 2>/dev/null
done
if [[ " ${targets[*]} " == *" patch_apply "* ]]; then
  python3 - <<'PY'
import json, glob, os
for path in glob.glob("tests/fixtures/patch/*.json"):
    for case in json.load(open(path))["cases"]:
        name = os.path.basename(path)[:-5] + "__" + case["name"]
        seed = {"resource": case.get("resource", "User"), "doc": case["doc"], "patch": case["patch"]}
        with open(f"fuzz/corpus/patch_apply/{name}", "w") as f:
            json.dump(seed, f)
PY
fi

echo "==> building fuzz targets" >&2
mkdir -p fuzz/artifacts
if ! cargo fuzz build -O >fuzz/artifacts/build.log 2>&1; then
  tail -n 40 fuzz/artifacts/build.log >&2; exit 1
fi

status=0
summary=()
for t in "${targets[@]}"; do
  log=$(mktemp -t "fuzz-$t-XXXXXX.log")
  before=$(ls "fuzz/artifacts/$t" 2>/dev/null | grep -c -E '^(crash|oom|timeout|leak)-' || true)
  echo "==> fuzzing $t for ${FUZZ_SECONDS}s" >&2
  cargo fuzz run -O "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -dict=fuzz/scim.dict \
    -max_len=4096 -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1
  rc=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  [ -z "$execs" ] && execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  after=$(ls "fuzz/artifacts/$t" 2>/dev/null | grep -c -E '^(crash|oom|timeout|leak)-' || true)
  crashes=$((after - before))
  if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
    status=1
    echo "==> $t: failure (exit $rc); last lines of its log:" >&2
    tail -n 30 "$log" >&2
    ls -t "fuzz/artifacts/$t" 2>/dev/null | head -3 | sed "s|^|    fuzz/artifacts/$t/|" >&2
  fi
  summary+=("$(printf '%-18s execs=%-10s crashes=%s' "$t" "${execs:-0}" "$crashes")")
  rm -f "$log"
done

echo "==> fuzz summary (${FUZZ_SECONDS}s per target)"
printf '%s\n' "${summary[@]}"
exit "$status"
