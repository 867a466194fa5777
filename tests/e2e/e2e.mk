# tests/e2e/e2e.mk - the dashboard and its browser test, included at the end of the Makefile.
#
#   make dashboard    serve examples/dashboard on DASHBOARD_PORT (default 8081) against the
#                     Strata at STRATA_API (default http://127.0.0.1:8080; start it with
#                     `make run`): another origin, as a real frontend would be
#   make test-e2e     build Strata, start it and the dashboard on two ephemeral ports, and
#                     check the page in headless Debian chromium (installed when missing);
#                     screenshots in tests/artifacts/

DASHBOARD_PORT ?= 8081
STRATA_API     ?= http://127.0.0.1:$(PORT)

.PHONY: dashboard dashboard-deps test-e2e

dashboard-deps:
	@command -v npm >/dev/null 2>&1 || { echo "make dashboard needs node (>= 20) and npm" >&2; exit 1; }
	@cd examples/dashboard && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; }

dashboard: dashboard-deps
	node examples/dashboard/server.mjs --port $(DASHBOARD_PORT) --api $(STRATA_API)

test-e2e: all
	STRATA_BIN=$(CURDIR)/$(BUILD)/strata tests/e2e/run.sh
