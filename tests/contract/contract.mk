# tests/contract/contract.mk - the OpenAPI contract, included by the Makefile.
#
#   make spec           regenerate api-spec/openapi.json (and the model schemas
#                       copied into api-spec/openapi.yaml) from openapi.yaml
#   make docs           rebuild the offline reference api-spec/docs/index.html
#   make lint-spec      Redocly lint with api-spec/redocly.yaml: zero problems
#   make test-contract  lint, then the contract test: the real daemon against the
#                       document, every operation (part of `make test`)
#
# Node tooling lives only in tests/contract/ (package.json and its committed
# package-lock.json); `npm ci` runs when node_modules is missing or older than
# the lockfile, so repeated runs cost nothing.

CONTRACT_DIR    := tests/contract
CONTRACT_STAMP  := $(CONTRACT_DIR)/node_modules/.installed
REDOCLY         := $(CONTRACT_DIR)/node_modules/.bin/redocly
# no telemetry, no update check: the registry is the only network there is
REDOCLY_ENV     := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
SPEC_SOURCES    := api-spec/openapi.yaml api-spec/model.schema.json $(CONTRACT_DIR)/build-spec.mjs

.PHONY: contract-deps spec docs lint-spec check-spec test-contract

$(CONTRACT_STAMP): $(CONTRACT_DIR)/package.json $(CONTRACT_DIR)/package-lock.json
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || \
	  { echo "contract tests need Node.js >= 20.19 and npm (the machine's node, or Debian's nodejs and npm)" >&2; exit 1; }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || \
	  { echo "contract tests need Node.js >= 20.19 (found $$(node --version))" >&2; exit 1; }
	cd $(CONTRACT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

contract-deps: $(CONTRACT_STAMP)

spec: $(CONTRACT_STAMP)
	node $(CONTRACT_DIR)/build-spec.mjs

docs: spec
	$(REDOCLY_ENV) $(REDOCLY) build-docs api-spec/openapi.yaml --config api-spec/redocly.yaml \
	  --inline-bundle -o api-spec/docs/index.html

# recommended-strict makes every rule problem an error; a configuration warning
# fails too. (Redocly's Node 20 deprecation banner is dropped from the output.)
lint-spec: $(CONTRACT_STAMP)
	@out=$$($(REDOCLY_ENV) $(REDOCLY) lint api-spec/openapi.yaml --config api-spec/redocly.yaml \
	  --format stylish --max-problems 1000 2>&1); rc=$$?; \
	printf '%s\n' "$$out" | grep -v '[║╔╚]' | grep -v '^$$'; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	if printf '%s\n' "$$out" | grep -Eq 'Your config has|[0-9]+ warnings?'; then \
	  echo "lint-spec: warnings are not allowed" >&2; exit 1; fi

test-contract: deps-check $(BUILD)/strata $(CONTRACT_STAMP) lint-spec
	STRATA_BIN=$(CURDIR)/$(BUILD)/strata STRATA_ROOT=$(CURDIR) $(REDOCLY_ENV) \
	  node $(CONTRACT_DIR)/run.mjs

TEST_SUITES += test-contract
