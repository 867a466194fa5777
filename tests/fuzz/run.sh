#!/bin/sh
# Fuzz targets for a bounded time each, or replay inputs through them.
#
# Usage: tests/fuzz/run.sh fuzz FUZZ_DIR SECONDS TARGET...
#        tests/fuzz/run.sh replay FUZZ_DIR TARGET...
#
# fuzz: each target starts from its committed seeds (tests/fuzz/corpus/T, read
# only) plus what earlier runs found (FUZZ_DIR/corpus/T, where new inputs go),
# with tests/fuzz/T.dict and the flags in tests/fuzz/T.options when present.
# A crash, sanitizer report, leak, failed check or hang stops the run; the
# input is saved as FUZZ_DIR/crashes/T-* and the script exits 1. A summary line
# per target gives executions, executions/s, coverage and peak memory.
#
# replay: every committed seed and every fixed crash input
# (tests/fuzz/regressions/T) runs once; any failure exits 1.
#
# Run from the repository root.
set -u

mode=$1
dir=$2
shift 2
seconds=0
if [ "$mode" = fuzz ]; then
    seconds=$1
    shift
fi

# Extra seed directories of a target, read recursively by libFuzzer.
extra_seeds() {
    case $1 in
    fuzz_model) echo tests/fixtures ;;
    esac
}

status=0
total=0
for t in "$@"; do
    bin=$dir/$t
    log=$dir/$t.$mode.log
    if [ ! -x "$bin" ]; then
        echo "fuzz: $bin is not built" >&2
        exit 1
    fi
    if [ "$mode" = fuzz ]; then
        mkdir -p "$dir/corpus/$t" "$dir/crashes"
        set --
        [ -f "tests/fuzz/$t.dict" ] && set -- "$@" "-dict=tests/fuzz/$t.dict"
        # shellcheck disable=SC2046 # one flag per word
        [ -f "tests/fuzz/$t.options" ] && set -- "$@" $(cat "tests/fuzz/$t.options")
        echo "== fuzz $t for $seconds s"
        # shellcheck disable=SC2046 # extra_seeds prints zero or more directory names
        if ! STRATA_ROOT=$(pwd) "$bin" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
            -max_total_time="$seconds" -artifact_prefix="$dir/crashes/$t-" "$@" \
            "$dir/corpus/$t" "tests/fuzz/corpus/$t" $(extra_seeds "$t") >"$log" 2>&1; then
            tail -60 "$log"
            echo "fuzz $t: FAILED; input saved in $dir/crashes/, log in $log"
            status=1
            continue
        fi
        done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
        rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
        cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
        ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
        corp=$(echo "$done_line" | sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
        echo "   $t: $execs runs, $rate exec/s, cov $cov edges, $ft features, corpus $corp, peak RSS ${rss} MB"
    else
        # shellcheck disable=SC2046 # extra_seeds prints zero or more directory names
        files=$(find "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" $(extra_seeds "$t") \
            -type f 2>/dev/null | sort)
        if [ -z "$files" ]; then
            echo "fuzz-replay: $t has no seeds" >&2
            exit 1
        fi
        n=$(echo "$files" | wc -l)
        echo "== fuzz-replay $t ($n inputs)"
        # shellcheck disable=SC2086 # one argument per file (names have no spaces)
        if ! STRATA_ROOT=$(pwd) "$bin" -timeout=30 $files >"$log" 2>&1; then
            tail -60 "$log"
            echo "fuzz-replay $t: FAILED (log: $log)"
            status=1
            continue
        fi
        total=$((total + n))
    fi
done
if [ "$mode" = replay ] && [ $status -eq 0 ]; then
    echo "fuzz-replay: $total passed, 0 failed"
fi
exit $status
