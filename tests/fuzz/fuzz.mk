# ---- reliability: libFuzzer targets, crash regressions, valgrind (owner: reliability) ----
#
# make fuzz          each tests/fuzz/fuzz_*.c for FUZZ_SECONDS (default 30) s
# make fuzz-ci       each for FUZZ_CI_SECONDS (default 60) s; fails on any finding
# make fuzz-replay   every committed seed and crash regression once (part of make test)
# make test-valgrind the HTTP tests with the daemon under valgrind memcheck
#
# Targets link against a copy of the library built with clang and
# -fsanitize=fuzzer-no-link,address,undefined in $(BUILD)/fuzz. Seeds live in
# tests/fuzz/corpus/<target>/ (read-only for the fuzzer: what it finds goes to
# $(BUILD)/fuzz/corpus/<target>/), fixed crash inputs in
# tests/fuzz/regressions/<target>/, libFuzzer flags in tests/fuzz/<target>.options
# and dictionaries in tests/fuzz/<target>.dict. tests/fuzz/run.sh runs them.

FUZZ_SECONDS    ?= 30
FUZZ_CI_SECONDS ?= 60
FUZZ_CC         ?= clang
FUZZ_DIR        := $(BUILD)/fuzz
FUZZ_CFLAGS     := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
                   -fno-omit-frame-pointer
FUZZ_SRC        := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES      := $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_BIN        := $(FUZZ_NAMES:%=$(FUZZ_DIR)/%)

.PHONY: fuzz fuzz-ci fuzz-build fuzz-replay fuzz-lib

# The sanitized library: the main Makefile's own rule, in another build dir.
fuzz-lib:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_DIR) CC=$(FUZZ_CC) \
	  CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link" $(FUZZ_DIR)/libstrata.a

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_DIR)/libstrata.a $(wildcard include/*.h)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	  $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $< $(FUZZ_DIR)/libstrata.a $(LIBS) -o $@

fuzz-build: deps-check
	@$(MAKE) --no-print-directory fuzz-lib
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

fuzz: fuzz-build
	@sh tests/fuzz/run.sh fuzz $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_NAMES)
	@echo "fuzz: $(words $(FUZZ_NAMES)) targets, $(FUZZ_SECONDS) s each, no finding"

# At least a minute per target; .ci/run calls it.
fuzz-ci: fuzz-build
	@sh tests/fuzz/run.sh fuzz $(FUZZ_DIR) $(FUZZ_CI_SECONDS) $(FUZZ_NAMES)
	@echo "fuzz-ci: $(words $(FUZZ_NAMES)) targets, $(FUZZ_CI_SECONDS) s each, no finding"

# Replay mode: every committed seed and fixed crash input once (part of make test).
fuzz-replay: fuzz-build
	@sh tests/fuzz/run.sh replay $(FUZZ_DIR) $(FUZZ_NAMES)

TEST_SUITES += fuzz-replay

-include tests/valgrind/valgrind.mk
