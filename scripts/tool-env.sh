# Sourced by the build scripts: where the project's build tools live.
# shellcheck shell=bash
_scim_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# wrangler needs Node >= 22.12 (its `engines` field). The system `node` serves when it is new
# enough; otherwise scripts/install-tools.sh installs Node 22 from the npm registry (the `node`
# package) into .tools/node22, and that node goes first on PATH, so npm, wrangler and its
# install scripts all run under it. SCIM_LOCAL_NODE names that folder when it is in use.
scim_node_is_new_enough() { # [NODE]: true when NODE (default `node`) is at least 22.12
  local version major minor
  version=$("${1:-node}" --version 2>/dev/null) || return 1
  IFS=. read -r major minor _ <<<"${version#v}"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  (( major > 22 || (major == 22 && minor >= 12) ))
}
if [ -z "${SCIM_LOCAL_NODE:-}" ] && ! scim_node_is_new_enough; then
  export SCIM_LOCAL_NODE="$_scim_root/.tools/node22"
  export PATH="$SCIM_LOCAL_NODE/node_modules/node/bin:$PATH"
  hash -r
fi

export PATH="$HOME/.cargo/bin:$_scim_root/node_modules/.bin:$PATH"
# No usage telemetry from wrangler: local runs send nothing beyond loopback.
export WRANGLER_SEND_METRICS="${WRANGLER_SEND_METRICS:-false}"
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$_scim_root/node_modules/binaryen/bin/wasm-opt}"
if [ -x "$_scim_root/node_modules/@esbuild/linux-x64/bin/esbuild" ]; then
  export ESBUILD_BIN="${ESBUILD_BIN:-$_scim_root/node_modules/@esbuild/linux-x64/bin/esbuild}"
fi
