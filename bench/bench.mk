# ---- bench: the performance harness of issue 7 (owner: bench) ----
# `make bench` measures Strata against nginx (same bytes) and json-server (same
# records), the uncached path, startup, and synthetic models 100x and 1000x
# the bundled one, and writes bench/RESULTS.md. A benchmark, not a test: it is
# not part of `make test`. About 10 minutes on 2 cores.
#   make bench BENCH_ARGS="--rounds 5 --duration 5"   longer runs
#   make bench BENCH_ARGS="--scales 1,100 --skip json-server"
# Everything it writes besides RESULTS.md goes to bench/out/ (ignored by git).

BENCH_OUT  ?= bench/out
BENCH_ARGS ?=
BENCH_DEB  := wrk nginx-light nodejs npm python3 util-linux

.PHONY: bench bench-deps bench-search

# wrk, nginx, node/npm, python3 and taskset from apt when missing; json-server
# (pinned in bench/package-lock.json) with npm ci when bench/node_modules is
# missing or older than the lock file.
bench-deps:
	@missing=""; \
	for c in wrk:wrk nginx:nginx-light node:nodejs npm:npm python3:python3 taskset:util-linux; do \
	  command -v $${c%%:*} >/dev/null 2>&1 || [ -x /usr/sbin/$${c%%:*} ] || missing="$$missing $${c#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  command -v apt-get >/dev/null 2>&1 || { echo "make bench needs:$$missing (Debian names)" >&2; exit 1; }; \
	  echo "installing:$$missing"; SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@if [ ! -f bench/node_modules/.package-lock.json ] || \
	    [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then \
	  echo "npm ci (bench/: json-server)"; \
	  cd bench && npm ci --no-audit --no-fund --loglevel=error; \
	fi

$(BUILD)/bench/latency: bench/latency.c | $(BUILD)/bench
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $< -o $@

$(BUILD)/bench:
	mkdir -p $@

bench: deps-check bench-deps $(BUILD)/strata $(BUILD)/bench/latency
	PATH="$$PATH:/usr/sbin" python3 bench/bench.py --strata $(BUILD)/strata \
	  --latency $(BUILD)/bench/latency --out $(BENCH_OUT) --results bench/RESULTS.md $(BENCH_ARGS)

# bench-search: the worst-case search table of issue 12 (bench/search_cost.py):
# the costliest searches at 1x, 100x and 1000x, one at a time, and a cheap
# request under four costly ones; writes bench/SEARCH-COST.md (which bench.py
# copies into RESULTS.md) and splices it into bench/RESULTS.md. About 5 minutes.
#   make bench-search BENCH_SEARCH_ARGS="--scales 1,100"
BENCH_SEARCH_ARGS ?=
bench-search: deps-check $(BUILD)/strata
	python3 bench/search_cost.py --strata $(BUILD)/strata --out $(BENCH_OUT) \
	  --label "$$(git rev-parse --short HEAD 2>/dev/null || echo this run)" \
	  --results bench/RESULTS.md $(BENCH_SEARCH_ARGS)
