#!/usr/bin/env bash
# `make deploy`: from a logged-in wrangler to a running worker, and safe to run again.
#   1. finds each D1 database of the shard pool (every [[d1_databases]] block of wrangler.toml,
#      docs/scaling.md) and the KV namespace by name, creating each one that is missing (with
#      the binding names the worker reads; an EU shard with its `jurisdiction` from SHARDS),
#      and the webhook queue (docs/events.md);
#   2. writes their ids into wrangler.deploy.toml, a git-ignored copy of wrangler.toml (the
#      committed file keeps its placeholders, which local development uses);
#   3. applies pending migrations to every remote database, and checks none is left;
#   4. deploys the worker;
#   5. sets ADMIN_SECRET when the worker has none (printed once);
#   6. prints the workers.dev URL and what to do next.
# DRY_RUN=1 prints every wrangler command instead of running it (lookups answer "nothing
# found", so the dry run shows a first deployment) and writes nothing.
# Settings (environment): D1_NAME (the control shard DB's name; default: its database_name in
# wrangler.toml), KV_TITLE (default scim-edge-tokens), D1_LOCATION (a location hint such as
# weur for the control shard, on creation only; other shards take theirs from SHARDS).
# For tests: WRANGLER (the wrangler command) and DEPLOY_CONFIG (default wrangler.deploy.toml;
# a real deployment keeps it in the repository root, where the relative paths in it hold).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-env.sh

WRANGLER=${WRANGLER:-wrangler}
DRY_RUN=${DRY_RUN:-}
DEPLOY_CONFIG=${DEPLOY_CONFIG:-wrangler.deploy.toml}
KV_TITLE=${KV_TITLE:-scim-edge-tokens}
D1_LOCATION=${D1_LOCATION:-}
# The binding names src/glue/entry.rs looks up.
DB_BINDING=DB
KV_BINDING=TOKENS
if [ -z "${D1_NAME:-}" ]; then
  D1_NAME=$(sed -n 's/^database_name = "\(.*\)"$/\1/p' wrangler.toml | head -n 1)
fi

say() { printf '==> %s\n' "$*"; }
dry() { [ "$DRY_RUN" = 1 ]; }

# Prints a wrangler command line (to stderr, so it never mixes with output being read).
show() {
  printf '+ wrangler' >&2
  printf ' %s' "$@" >&2
  printf '\n' >&2
}

# Runs wrangler, after printing the command; in a dry run only prints it.
wr() {
  show "$@"
  dry && return 0
  "$WRANGLER" "$@"
}

# Like `wr` for commands whose output is read: stdout is captured, the rest shown. On failure
# wrangler's own message is shown and the script stops.
wr_read() {
  show "$@"
  dry && return 0
  local out status=0
  out=$("$WRANGLER" "$@") || status=$?
  if [ "$status" != 0 ]; then
    printf '%s\n' "$out" >&2
    echo "deploy: 'wrangler $*' failed (exit $status). Logged in? Try 'wrangler whoami' or 'wrangler login'." >&2
    exit "$status"
  fi
  printf '%s\n' "$out"
}

# json_find FIELD_WANTED FIELD_MATCH VALUE: reads a JSON array on stdin and prints FIELD_WANTED
# of the first element whose FIELD_MATCH equals VALUE (nothing when there is none). Anything
# before the array (wrangler banners) is skipped.
json_find() {
  python3 -c '
import json, sys
text = sys.stdin.read()
start = text.find("[")
items = json.loads(text[start:]) if start >= 0 else []
for item in items:
    if isinstance(item, dict) and item.get(sys.argv[2]) == sys.argv[3]:
        print(item.get(sys.argv[1], ""))
        break
' "$1" "$2" "$3"
}

d1_id() { wr_read d1 list --json | json_find uuid name "$1"; }
kv_id() { wr_read kv namespace list | json_find id title "$KV_TITLE"; }

if [ -z "$D1_NAME" ]; then
  echo "deploy: no database_name in wrangler.toml; set D1_NAME" >&2; exit 2
fi
dry && say "dry run: printing the wrangler commands, running none of them"

# 1. The D1 databases (one per shard) and the KV namespace.
d1_bindings=(); d1_names=(); d1_ids=()
while IFS=$'\t' read -r -u 3 binding name options; do
  [ "$binding" = "$DB_BINDING" ] && name="$D1_NAME"
  say "D1 database '$name' (binding $binding)"
  id=$(d1_id "$name")
  if [ -z "$id" ]; then
    create=(d1 create "$name" --binding "$binding")
    # shellcheck disable=SC2206 # options are words such as "--jurisdiction eu"
    [ -n "$options" ] && create+=($options)
    [ "$binding" = "$DB_BINDING" ] && [ -n "$D1_LOCATION" ] && create+=(--location "$D1_LOCATION")
    wr "${create[@]}"
    id=$(d1_id "$name")
    if ! dry && [ -z "$id" ]; then
      echo "deploy: created '$name', but 'wrangler d1 list' does not show it" >&2; exit 1
    fi
  else
    say "exists: $id"
  fi
  d1_bindings+=("$binding"); d1_names+=("$name"); d1_ids+=("$id")
done 3< <(python3 scripts/shards-var.py --d1 wrangler.toml)

say "KV namespace '$KV_TITLE' (binding $KV_BINDING)"
namespace_id=$(kv_id)
if [ -z "$namespace_id" ]; then
  wr kv namespace create "$KV_TITLE" --binding "$KV_BINDING"
  namespace_id=$(kv_id)
  if ! dry && [ -z "$namespace_id" ]; then
    echo "deploy: created '$KV_TITLE', but 'wrangler kv namespace list' does not show it" >&2; exit 1
  fi
else
  say "exists: $namespace_id"
fi

# 1b. The webhook queue (docs/events.md): this worker produces and consumes it; `wrangler
# deploy` refuses a consumer of a queue that does not exist.
QUEUE_NAME=$(sed -n 's/^queue = "\(.*\)"$/\1/p' wrangler.toml | head -n 1)
say "Queue '$QUEUE_NAME' (binding WEBHOOK_QUEUE)"
show queues info "$QUEUE_NAME"
if dry || ! "$WRANGLER" queues info "$QUEUE_NAME" >/dev/null 2>&1; then
  wr queues create "$QUEUE_NAME"
else
  say "exists"
fi

# 2. The deploy config: wrangler.toml with the real ids in every D1 block and the TOKENS block.
if dry; then
  say "would write $DEPLOY_CONFIG: wrangler.toml with the ids of ${d1_names[*]} and '$KV_TITLE'"
else
  d1_args=()
  for i in "${!d1_bindings[@]}"; do
    d1_args+=("${d1_bindings[$i]}=${d1_names[$i]}=${d1_ids[$i]}")
  done
  python3 - "$DEPLOY_CONFIG" "$KV_BINDING" "$namespace_id" "${d1_args[@]}" <<'PY'
import re, sys
out, kv_binding, kv_id = sys.argv[1:4]
d1 = {}
for arg in sys.argv[4:]:
    binding, name, db_id = arg.split("=", 2)
    d1[binding] = (name, db_id)
text = open("wrangler.toml").read()
# Split into the preamble and [section] / [[array]] blocks, and edit the blocks by binding.
parts = re.split(r"(?m)^(?=\[)", text)
found = set()
for i, part in enumerate(parts):
    binding = re.search(r'(?m)^binding = "([^"]*)"', part)
    if part.startswith("[[d1_databases]]") and binding and binding.group(1) in d1:
        name, db_id = d1[binding.group(1)]
        part = re.sub(r'(?m)^database_name = ".*"$', f'database_name = "{name}"', part)
        part = re.sub(r'(?m)^database_id = ".*"$', f'database_id = "{db_id}"', part)
        found.add(binding.group(1))
    if part.startswith("[[kv_namespaces]]") and binding and binding.group(1) == kv_binding:
        part = re.sub(r'(?m)^id = ".*"$', f'id = "{kv_id}"', part)
        found.add(kv_binding)
    parts[i] = part
if found != set(d1) | {kv_binding}:
    sys.exit(f"deploy: wrangler.toml lacks a binding block of {sorted(set(d1) | {kv_binding})}")
header = ("# Generated by scripts/deploy.sh (make deploy) from wrangler.toml, with this account's\n"
          "# D1 and KV ids. Not committed (.gitignore); regenerated by every make deploy.\n")
open(out, "w").write(header + "".join(parts))
PY
  say "wrote $DEPLOY_CONFIG"
fi

# 3. Migrations, on every shard. Wrangler asks before applying (the database may briefly not
# serve requests) and takes "yes" when it cannot ask (CI). Afterwards nothing may be left
# pending anywhere.
for binding in "${d1_bindings[@]}"; do
  say "applying pending migrations to the remote database $binding"
  wr d1 migrations apply "$binding" --remote --config "$DEPLOY_CONFIG"
  pending=$(wr_read d1 migrations list "$binding" --remote --config "$DEPLOY_CONFIG")
  if ! dry && ! grep -q "No migrations to apply" <<<"$pending"; then
    printf '%s\n' "$pending"
    echo "deploy: migrations of $binding are still pending (declined?); not deploying code that needs them" >&2
    exit 1
  fi
done

# 4. The worker (wrangler runs the [build] command: a release build to WebAssembly).
say "deploying"
deploy_log=$(mktemp)
trap 'rm -f "$deploy_log"' EXIT
wr deploy --config "$DEPLOY_CONFIG" | tee "$deploy_log"
url=$(grep -oE 'https://[A-Za-z0-9.-]+\.workers\.dev' "$deploy_log" | head -n 1 || true)

# 5. The admin secret, only when the worker has none (an existing one is never replaced).
new_secret=""
secrets=$(wr_read secret list --config "$DEPLOY_CONFIG")
if dry || ! grep -q '"ADMIN_SECRET"' <<<"$secrets"; then
  new_secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
  wr secret put ADMIN_SECRET --config "$DEPLOY_CONFIG" <<<"$new_secret"
fi

# 6. Where it runs and what next.
base=${url:-https://<worker>.<subdomain>.workers.dev}
echo
say "deployed: $base   (health check: curl $base/health)"
if [ -n "$new_secret" ] && ! dry; then
  say "ADMIN_SECRET (shown once; keep it in your password manager):"
  echo "$new_secret"
fi
cat <<EOF
==> next: make an org's token, check its tenant URL, connect the identity provider
    curl -sS -X POST "$base/admin/orgs/acme/token" -H "Authorization: Bearer \$ADMIN_SECRET"
    make smoke URL=$base/scim/v2/acme TOKEN=scim_...
    then docs/entra-id.md, docs/okta.md or docs/onelogin.md with tenant URL $base/scim/v2/acme
EOF
