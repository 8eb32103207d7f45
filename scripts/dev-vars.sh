#!/usr/bin/env bash
# Gives `make dev` an admin secret: creates .dev.vars (git-ignored; wrangler dev reads it) with
# a random ADMIN_SECRET when it has none, then prints where the console is and the secret.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-8787}"
if ! grep -qs '^ADMIN_SECRET=.' .dev.vars; then
  secret=$(head -c 32 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_')
  printf 'ADMIN_SECRET=%s\n' "$secret" >> .dev.vars
  echo "==> created .dev.vars with a random local ADMIN_SECRET"
fi
secret=$(sed -n 's/^ADMIN_SECRET=//p' .dev.vars | head -1)
echo "==> console:      http://127.0.0.1:$port/admin/"
echo "==> admin secret: $secret   (local only, from .dev.vars)"
