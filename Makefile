# Strata: build, run and test. `make run` and `make test` are all a newcomer needs;
# both install missing Debian packages first (`make deps`).

BUILD     ?= build
CC        ?= cc
PORT      ?= 8080
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
PKGS      := libmicrohttpd libcjson sqlite3 zlib
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS    ?= -O2 -g
CPPFLAGS  += -Iinclude -D_GNU_SOURCE -DSTRATA_VERSION='"$(VERSION)"'
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS       = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
TEST_LIBS  = $(shell pkg-config --libs cmocka libcurl 2>/dev/null)

# server/*.c and one level of sub-modules (server/store/*.c): objects keep the path.
SERVER_SRC := $(wildcard server/*.c server/*/*.c)
LIB_SRC    := $(filter-out server/main.c,$(SERVER_SRC))
LIB_OBJ    := $(LIB_SRC:server/%.c=$(BUILD)/obj/%.o)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HTTP_SRC   := $(wildcard tests/http/test_*.c)
HTTP_BIN   := $(HTTP_SRC:tests/http/%.c=$(BUILD)/tests/%)
HTTP_LIB   := $(filter-out $(HTTP_SRC),$(wildcard tests/http/*.c))
HTTP_OBJ   := $(HTTP_LIB:tests/http/%.c=$(BUILD)/tests/obj/http/%.o)

# One test program: `make test-unit T=query` runs build/tests/test_query only,
# `make test-http T=api_collections` build/tests/test_api_collections only.
ifneq ($(T),)
UNIT_RUN := $(filter $(BUILD)/tests/test_$(T),$(UNIT_BIN))
HTTP_RUN := $(filter $(BUILD)/tests/test_$(T),$(HTTP_BIN))
else
UNIT_RUN := $(UNIT_BIN)
HTTP_RUN := $(HTTP_BIN)
endif

# Dependency files: every object and test program records the headers it read
# (-MMD), with an empty rule per header (-MP) so a deleted header breaks nothing;
# a header change rebuilds only what includes it.
DEPFLAGS   = -MMD -MP

# Debian package names for everything the build, the tests and the tools need.
DEB_PKGS := build-essential pkg-config libmicrohttpd-dev libcjson-dev libsqlite3-dev \
            zlib1g-dev libcmocka-dev libcurl4-openssl-dev clang clang-format curl sqlite3 \
            python3

.PHONY: all deps run test test-unit test-http test-asan style check clean format
.DEFAULT_GOAL := all

all: deps-check $(BUILD)/strata

# deps: install what is missing (Debian/Ubuntu), or say what is needed elsewhere.
deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1; then \
	  echo "installing:$$missing"; SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	else echo "strata needs: $(DEB_PKGS) (Debian names); install their equivalents" >&2; exit 1; fi

deps-check:
	@pkg-config --exists $(PKGS) || $(MAKE) --no-print-directory deps

$(BUILD)/obj/%.o: server/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DEPFLAGS) $(ALL_CFLAGS) -c $< -o $@

# ar keeps one member per file name: two objects of one name (server/x.c and
# server/store/x.c) would lose one, so that is refused.
$(BUILD)/libstrata.a: $(LIB_OBJ)
	@dup=$$(printf '%s\n' $(notdir $^) | sort | uniq -d); \
	[ -z "$$dup" ] || { echo "libstrata.a: two objects named $$dup" >&2; exit 1; }
	@rm -f $@ # ar adds and replaces but never drops a member (a moved file's old object)
	ar rcs $@ $^

$(BUILD)/strata: $(BUILD)/obj/main.o $(BUILD)/libstrata.a
	$(CC) $(ALL_CFLAGS) $(filter %.o %.a,$^) $(LIBS) -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libstrata.a | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(DEPFLAGS) -Itests $(ALL_CFLAGS) $(filter %.c %.o %.a,$^) $(LIBS) $(TEST_LIBS) -o $@

$(BUILD)/tests/test_%: tests/http/test_%.c $(HTTP_OBJ) $(BUILD)/libstrata.a | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(DEPFLAGS) -Itests $(ALL_CFLAGS) $(filter %.c %.o %.a,$^) $(LIBS) $(TEST_LIBS) -o $@

# the HTTP tests' shared helpers, compiled once (one .d file each) and kept
.SECONDARY: $(HTTP_OBJ)
$(BUILD)/tests/obj/http/%.o: tests/http/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DEPFLAGS) -Itests $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/tests:
	mkdir -p $@

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)

run: all
	$(BUILD)/strata --port $(PORT)

check: all
	$(BUILD)/strata --check

test-unit: deps-check $(UNIT_RUN)
	@$(if $(T),$(if $(UNIT_RUN),true,echo "test-unit: no tests/unit/test_$(T).c" >&2; false),true)
	@set -e; for t in $(UNIT_RUN); do echo "== $$t"; STRATA_ROOT=$(CURDIR) $$t; done

test-http: deps-check $(BUILD)/strata $(HTTP_RUN)
	@$(if $(T),$(if $(HTTP_RUN),true,echo "test-http: no tests/http/test_$(T).c" >&2; false),true)
	@set -e; for t in $(HTTP_RUN); do echo "== $$t"; STRATA_BIN=$(CURDIR)/$(BUILD)/strata STRATA_ROOT=$(CURDIR) $$t; done

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
# ASan makes the daemon 2-3x slower: STRATA_TIME_SCALE stretches the HTTP
# tests' time bounds by 3 (as test-valgrind does by 10) unless already set.
test-asan:
	STRATA_TIME_SCALE=$${STRATA_TIME_SCALE:-3} $(MAKE) --no-print-directory BUILD=$(BUILD)/asan CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  test-unit test-http

style:
	@files=$$(git ls-files 'server/*.c' 'server/*.h' 'include/*.h' 'tests/*.c' 'tests/*.h' 2>/dev/null); \
	clang-format --dry-run --Werror $$files && scripts/banned-functions.sh $$files && \
	scripts/check-header-comments.sh && echo "style: ok"

format:
	clang-format -i $$(git ls-files 'server/*.c' 'server/*.h' 'include/*.h' 'tests/*.c' 'tests/*.h')

clean:
	rm -rf build

# Container image targets (test-docker, docker-setup, docker-clean): see
# tests/docker/docker.mk. Optional, because the image build copies no tests/.
-include tests/docker/docker.mk
# Kubernetes manifests (test-kube, kube-validate, kube-render): tests/kube/kube.mk.
-include tests/kube/kube.mk

# ---- loader: the model schema compiled into the binary (owner: loader) ----
# server/model_schema.c is generated from api-spec/model.schema.json and committed, so
# that a build never needs the generator; this rule regenerates it whenever the schema
# changes, and tests/unit/test_model.c fails when the committed copy is stale.
server/model_schema.c: api-spec/model.schema.json scripts/embed-schema.sh
	sh scripts/embed-schema.sh api-spec/model.schema.json $@

# ---- suites that later issues add: each lives in its own .mk file and may add
# itself to `make test` with `TEST_SUITES += <target>` ----
TEST_SUITES :=
-include tests/contract/contract.mk
-include tests/fuzz/fuzz.mk
-include tests/e2e/e2e.mk
-include bench/bench.mk
-include tests/coverage/coverage.mk
-include tests/mutants/mutants.mk

test: deps style test-unit test-http test-asan $(TEST_SUITES)
	@echo "make test: all suites passed"

