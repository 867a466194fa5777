# ---- reliability: the HTTP tests with the daemon under valgrind memcheck ----
#
# make test-valgrind runs the HTTP test programs with STRATA_BIN pointing at
# tests/valgrind/strata-valgrind.sh, which execs $(BUILD)/strata under
# memcheck with one log per daemon process, then checks every log: zero
# errors, zero definitely or indirectly lost bytes, a complete report.
# test_load is left out: a thousand connections under valgrind measure
# valgrind, not the daemon (its bounds are asserted in make test, plain and
# under ASan). STRATA_TIME_SCALE stretches the time bounds of the tests that
# read it; strata-valgrind.sh runs the daemon without a database budget
# (STRATA_REQUEST_TIMEOUT=0) unless a test gives one with --request-timeout.

VALGRIND_DIR   := $(BUILD)/valgrind
# test_cost is left out too: it times costly work on a 60x synthetic model
# and reads the daemon's CPU time, which under valgrind measure valgrind.
VALGRIND_TESTS ?= $(filter-out %/test_load %/test_cost,$(HTTP_BIN))

.PHONY: test-valgrind valgrind-deps

valgrind-deps:
	@command -v valgrind >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing: valgrind"; SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq valgrind >/dev/null; \
	  else echo "test-valgrind needs valgrind" >&2; exit 1; fi; }

test-valgrind: deps-check valgrind-deps $(BUILD)/strata $(VALGRIND_TESTS)
	@rm -rf $(VALGRIND_DIR) && mkdir -p $(VALGRIND_DIR)
	@set -e; for t in $(VALGRIND_TESTS); do echo "== valgrind: $$t"; \
	  STRATA_BIN=$(CURDIR)/tests/valgrind/strata-valgrind.sh \
	  STRATA_VALGRIND_BIN=$(CURDIR)/$(BUILD)/strata STRATA_VALGRIND_LOGS=$(CURDIR)/$(VALGRIND_DIR) \
	  STRATA_TIME_SCALE=10 STRATA_ROOT=$(CURDIR) $$t; done
	@sh tests/valgrind/check-logs.sh $(VALGRIND_DIR)
