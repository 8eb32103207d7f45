# scim-edge — see README.md. Every target installs what it needs first (scripts/install-tools.sh).
SHELL := /bin/bash
PORT ?= 8787
PERSIST ?= .wrangler/state
ORG ?= acme
# wrangler under the Node scripts/tool-env.sh selects (system node >= 22.12, else .tools/node22).
WRANGLER := bash scripts/wrangler.sh

.PHONY: bench-shards setup build schema-local demo-token dev test test-native test-e2e token smoke deploy clippy fmt bench bench-bulk fuzz soak lint

setup:
	@bash scripts/install-tools.sh

build: setup
	@bash scripts/build.sh

## Apply pending migrations (migrations/) to every shard's local D1 (the [[d1_databases]] of
## wrangler.toml). CI=1: wrangler asks nothing.
schema-local: setup
	@for binding in $$(bash scripts/d1-bindings.sh wrangler.toml); do \
	  CI=1 $(WRANGLER) d1 migrations apply "$$binding" --local --persist-to "$(PERSIST)" >/dev/null || exit 1; \
	  echo "==> migrations applied to the local D1 $$binding in $(PERSIST)"; \
	done

demo-token: setup
	@bash scripts/token.sh --ensure acme --persist "$(PERSIST)"

## Run the service locally: build, local schema, demo org token, a local admin secret in
## .dev.vars (scripts/dev-vars.sh prints it and the console URL), wrangler dev on 127.0.0.1:$(PORT).
## LOCAL_DEV lets webhooks post to a loopback receiver; --test-scheduled serves /__scheduled
## (the events cron: retention and the delivery sweep).
dev: build schema-local demo-token
	@echo "==> tenant URL: http://127.0.0.1:$(PORT)/scim/v2/acme"
	@echo "==> events cron: curl 'http://127.0.0.1:$(PORT)/__scheduled?cron=*/5+*+*+*+*'"
	@bash scripts/dev-vars.sh $(PORT)
	@$(WRANGLER) dev --ip 127.0.0.1 --port $(PORT) --persist-to "$(PERSIST)" --test-scheduled --var LOCAL_DEV:true

## Run every test: native cargo tests, then the end-to-end suite against wrangler dev.
test: build test-native test-e2e

test-native: setup
	cargo test

test-e2e: build
	@bash scripts/e2e.sh

## New token for ORG in the local KV (REMOTE=1: the deployed namespace). The token is the last line.
## SHARD=<name> or PLACEMENT=<label> (e.g. eu) places a new org (docs/scaling.md); an existing
## org keeps its shard.
token: setup
	@bash scripts/token.sh --new "$(ORG)" --persist "$(PERSIST)" $(if $(filter 1 yes true,$(REMOTE)),--remote,) \
	  $(if $(SHARD),--shard "$(SHARD)",) $(if $(PLACEMENT),--placement "$(PLACEMENT)",)

## Entra-like provisioning cycle against a tenant URL: make smoke URL=https://…/scim/v2/acme TOKEN=scim_…
## (creates, updates, disables and deletes a test user and group; exit status 1 on the first wrong answer).
smoke:
	@test -n "$(URL)" -a -n "$(TOKEN)" || { echo "usage: make smoke URL=<tenant URL> TOKEN=<token>" >&2; exit 2; }
	@SCIM_SMOKE_TOKEN="$(TOKEN)" cargo run --quiet --example scim_smoke -- "$(URL)"

## Deploy to Cloudflare (docs/deploy.md): creates what is missing, migrates, deploys. Idempotent.
## DRY_RUN=1 prints the wrangler commands instead of running them.
deploy: setup
	@DRY_RUN=$(DRY_RUN) bash scripts/deploy.sh

clippy: setup
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings

fmt:
	cargo fmt --all

## Benchmarks: scim-edge vs the floor worker, scim2-server and Ory Polis, side by side (docs/benchmarks.md).
## Writes bench/results/<timestamp>.{json,md,png}. QUICK=1 for a short run (about 3 minutes).
bench: setup
	@QUICK=$(QUICK) bash bench/run.sh
## The `bulk` workload: 1,000 users + 20 groups as single requests vs one Bulk request (docs/bulk.md).
bench-bulk: setup
	@bash bench/bulk.sh
## The shards workload: 8 orgs on 1 vs 4 local shards at c=32, hot path with/without the token
## cache (docs/scaling.md). SECONDS_PER_RUN (default 20). Writes bench/results/shards-<stamp>.md.
bench-shards: setup
	@SECONDS_PER_RUN=$(SECONDS_PER_RUN) bash bench/shards.sh
## Fuzz every cargo-fuzz target for FUZZ_SECONDS each (default 60); prints execs and crashes.
FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

## Bounded soak against a fresh wrangler dev on loopback (SOAK_SECONDS, default 300; not in `make test`).
SOAK_SECONDS ?= 300
SOAK_CONCURRENCY ?= 32
soak: build
	@SOAK_SECONDS=$(SOAK_SECONDS) SOAK_CONCURRENCY=$(SOAK_CONCURRENCY) bash scripts/soak.sh

## Lints: clippy on the host (all targets) and on wasm32, cargo-deny (licenses, bans, sources).
lint: setup
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings
	@bash scripts/install-tools.sh --deny
	cargo deny check licenses bans sources
