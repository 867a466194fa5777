#!/bin/sh
# Stand-in for build/strata that runs it under valgrind memcheck, one log per
# process (tests/valgrind/valgrind.mk points STRATA_BIN here).
#   STRATA_VALGRIND_BIN   the real binary
#   STRATA_VALGRIND_LOGS  directory for the logs (strata.<pid>.log)
# Leaks that count: definitely and indirectly lost (possibly lost blocks are
# what the worker threads of an exiting process still hold). Any error makes
# the process exit 1, so a test that expects exit 0 fails too.
set -eu
: "${STRATA_VALGRIND_BIN:?set STRATA_VALGRIND_BIN to the strata binary}"
: "${STRATA_VALGRIND_LOGS:?set STRATA_VALGRIND_LOGS to a directory}"
here=$(dirname "$0")
# Under memcheck the daemon runs 20-50 times slower: the default 300 ms database
# budget (--request-timeout) would refuse ordinary pages (400 query_too_broad).
# No budget, unless the test sets one: a flag wins over the environment.
export STRATA_REQUEST_TIMEOUT="${STRATA_REQUEST_TIMEOUT:-0}"
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=1 --num-callers=30 \
    --suppressions="$here/strata.supp" \
    --log-file="$STRATA_VALGRIND_LOGS/strata.%p.log" "$STRATA_VALGRIND_BIN" "$@"
