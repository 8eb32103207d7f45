#!/usr/bin/env bash
# The project's wrangler (node_modules) under the Node that scripts/tool-env.sh selects: the
# system node when it is >= 22.12, else the project-local Node 22 in .tools/node22. The Makefile
# runs wrangler through this; run it the same way by hand: `bash scripts/wrangler.sh --version`.
set -euo pipefail
source "$(dirname "$0")/tool-env.sh"
exec "$_scim_root/node_modules/.bin/wrangler" "$@"
