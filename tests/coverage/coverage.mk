# tests/coverage/coverage.mk - line and branch coverage of server/ (included by the Makefile).
#
#   make coverage   build everything with gcov instrumentation in $(BUILD)/coverage, run
#                   test-unit and test-http there (the daemon writes its counters when it
#                   exits), then print the summary and write the HTML report to
#                   $(BUILD)/coverage/html/index.html (gcovr from Debian, installed if missing)
#
# Not part of `make test`: it rebuilds everything without optimisation. The daemon
# and the tests are threaded: counters are updated atomically (-fprofile-update=atomic);
# the odd negative branch count gcov still prints for a process killed mid-exit is skipped.

COVERAGE_DIR := $(BUILD)/coverage

.PHONY: coverage coverage-deps

coverage-deps:
	@command -v gcovr >/dev/null 2>&1 || $(MAKE) --no-print-directory deps DEB_PKGS=gcovr

COVERAGE_UNIT := $(UNIT_SRC:tests/unit/%.c=$(COVERAGE_DIR)/tests/%)
COVERAGE_HTTP := $(HTTP_SRC:tests/http/%.c=$(COVERAGE_DIR)/tests/%)

# Every test program runs even when one fails (a timing test may miss its bound
# in an unoptimised build); the failures are listed and the target fails after
# the report is written.
coverage: deps-check coverage-deps
	@find $(COVERAGE_DIR) -name '*.gcda' -delete 2>/dev/null || true
	@$(MAKE) --no-print-directory BUILD=$(COVERAGE_DIR) CFLAGS="-O0 -g --coverage -fprofile-update=atomic" \
	  $(COVERAGE_DIR)/strata $(COVERAGE_UNIT) $(COVERAGE_HTTP)
	@failed=""; for t in $(COVERAGE_UNIT) $(COVERAGE_HTTP); do echo "== $$t"; \
	  STRATA_BIN=$(CURDIR)/$(COVERAGE_DIR)/strata STRATA_ROOT=$(CURDIR) $$t >$$t.log 2>&1 || \
	  { failed="$$failed $$(basename $$t)"; tail -20 $$t.log; }; done; \
	mkdir -p $(COVERAGE_DIR)/html; \
	find $(COVERAGE_DIR) -maxdepth 1 -name '*.gcov' -delete; \
	gcovr --root $(CURDIR) --object-directory $(COVERAGE_DIR) --filter 'server/' \
	  --exclude 'server/model_schema.c' --gcov-ignore-parse-errors \
	  --html-details $(COVERAGE_DIR)/html/index.html --print-summary \
	  --txt $(COVERAGE_DIR)/summary.txt || exit 1; \
	echo "coverage: $(COVERAGE_DIR)/html/index.html, per file in $(COVERAGE_DIR)/summary.txt"; \
	if [ -n "$$failed" ]; then echo "coverage: these test programs failed:$$failed" >&2; exit 1; fi
