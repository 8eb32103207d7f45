#!/usr/bin/env bash
# Installs the bench's Polis peer (package.json + package-lock.json here) into
# bench/polis/node_modules, for the system Node 20 at $POLIS_NODE (default /usr/bin/node),
# independent of the Node the project's wrangler runs on. better-sqlite3 finds no prebuilt
# binary offline and compiles from source against that Node's headers (/usr/include/node;
# Debian's libnode-dev has them), about a minute on 2 cores. Run by bench/run.sh; not part of
# `make test`. Prints the Node it installed for on the last line.
set -euo pipefail
cd "$(dirname "$0")"
node_bin=${POLIS_NODE:-/usr/bin/node}
node_dir=$(dirname "$node_bin")
say() { printf '==> bench polis: %s\n' "$*" >&2; }
[ -x "$node_bin" ] || { say "no Node at $node_bin (set POLIS_NODE)"; exit 1; }
version=$("$node_bin" --version)
headers=${npm_config_nodedir:-/usr}
if [ ! -f "$headers/include/node/node_version.h" ]; then
  say "no Node headers under $headers/include/node: apt-get install -y libnode-dev (as root)"; exit 1
fi
major=$(awk '/define NODE_MAJOR_VERSION/ {print $3}' "$headers/include/node/node_version.h")
if [ "v$major" != "${version%%.*}" ]; then
  say "headers in $headers are Node $major, $node_bin is $version: better-sqlite3 would not load"; exit 1
fi
loads() {
  "$node_bin" -e "const D = require('better-sqlite3'); new D(':memory:').close(); require('@boxyhq/saml-jackson')" 2>/dev/null
}
if [ ! -d node_modules ] || ! loads || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci for @boxyhq/saml-jackson with $version (better-sqlite3 compiles from source)"
  # The Node that runs npm (and so node-gyp) is the one Polis will run on.
  PATH="$node_dir:$PATH" npm_config_nodedir="$headers" npm ci --no-audit --no-fund --loglevel=error >&2
  loads || { say "better-sqlite3 or @boxyhq/saml-jackson does not load under $version"; exit 1; }
fi
echo "$node_bin $version"
