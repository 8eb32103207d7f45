#!/usr/bin/env bash
# Builds the worker (release wasm + JS shim into build/) with the tools installed by
# scripts/install-tools.sh. worker-build would otherwise download wasm-bindgen and wasm-opt
# from GitHub; the *_BIN variables point it at our own copies.
# `wrangler dev` runs this as its [build] command on every start, so it returns at once when
# build/ is newer than every source file.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh
out=build/worker/shim.mjs
if [ -f "$out" ] && [ -z "$(find src Cargo.toml Cargo.lock -newer "$out" -print -quit)" ]; then
  exit 0
fi
worker-build --release
touch "$out"
