#!/usr/bin/env bash
# tests/e2e/run.sh - the dashboard's browser test, end to end (`make test-e2e`).
#
# 1. installs Debian's chromium and chromium-driver when missing (apt-get);
# 2. `npm ci` in tests/e2e (playwright-core, pinned) and examples/dashboard (cytoscape);
# 3. starts Strata ($STRATA_BIN, default build/strata) and the dashboard's static
#    server on two different ephemeral ports, so the page reads the API cross-origin;
# 4. runs tests/e2e/dashboard.test.mjs in headless chromium (screenshots in tests/artifacts/).
# Everything it started is stopped on exit, whatever happened. Exit status: the test's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STRATA_BIN="${STRATA_BIN:-$ROOT/build/strata}"
ARTIFACTS="${ARTIFACTS:-$ROOT/tests/artifacts}"
WAIT_SECONDS="${WAIT_SECONDS:-20}"

say() { printf 'test-e2e: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

need_debs=()
[ -x /usr/bin/chromium ] || need_debs+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_debs+=(chromium-driver)
command -v node >/dev/null 2>&1 || need_debs+=(nodejs)
command -v npm >/dev/null 2>&1 || need_debs+=(npm)
if [ "${#need_debs[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing ${need_debs[*]} and no apt-get: install them (Debian names)"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    say "installing ${need_debs[*]} (apt-get)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_debs[@]}" >/dev/null
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "node $node_major is too old: playwright-core needs node >= 20"

[ -x "$STRATA_BIN" ] || die "no Strata binary at $STRATA_BIN (run make first, or set STRATA_BIN)"

say "npm ci (tests/e2e, examples/dashboard)"
(cd "$ROOT/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
(cd "$ROOT/examples/dashboard" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

work="$(mktemp -d /tmp/strata-e2e.XXXXXX)"
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_port FILE PID NAME LOG: the port written to FILE by process PID, or fail.
wait_port() {
    local file=$1 pid=$2 name=$3 log=$4 i
    for ((i = 0; i < WAIT_SECONDS * 10; i++)); do
        if [ -s "$file" ]; then
            tr -d '[:space:]' <"$file"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            say "$name exited before listening:"
            cat "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    say "$name did not write its port within ${WAIT_SECONDS}s:"
    cat "$log" >&2
    return 1
}

(cd "$ROOT" && exec "$STRATA_BIN" --port 0 --port-file "$work/strata.port" --bind 127.0.0.1) \
    >"$work/strata.log" 2>&1 &
pids+=($!)
strata_port="$(wait_port "$work/strata.port" "${pids[-1]}" strata "$work/strata.log")"
strata_url="http://127.0.0.1:$strata_port"

node "$ROOT/examples/dashboard/server.mjs" --port 0 --port-file "$work/dashboard.port" \
    --api "$strata_url" >"$work/dashboard.log" 2>&1 &
pids+=($!)
dashboard_port="$(wait_port "$work/dashboard.port" "${pids[-1]}" dashboard "$work/dashboard.log")"
[ "$dashboard_port" != "$strata_port" ] || die "the two servers share port $strata_port"
say "strata on $strata_url, dashboard on http://127.0.0.1:$dashboard_port"

mkdir -p "$ARTIFACTS"
status=0
STRATA_URL="$strata_url" DASHBOARD_URL="http://127.0.0.1:$dashboard_port" ARTIFACTS="$ARTIFACTS" \
    node "$ROOT/tests/e2e/dashboard.test.mjs" || status=$?
if [ "$status" -ne 0 ]; then
    say "failed; the servers' logs follow"
    tail -n 40 "$work/strata.log" "$work/dashboard.log" >&2 || true
fi
say "screenshots in ${ARTIFACTS#"$ROOT"/}/"
exit "$status"
