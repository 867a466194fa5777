#!/usr/bin/env bash
# tests/mutants/run.sh - mutation testing of behaviour users depend on.
#
# Each entry of tests/mutants/mutations.txt is a one-line change to server/ or
# include/ (an exact text found exactly once, and its replacement). For each one
# this script copies the working tree to $MUTANTS_DIR/src (once), applies the
# mutation there, rebuilds (the dependency files make that one object and the
# links), runs the suites, and restores the file. A mutant the suites pass is
# a survivor: behaviour that no test guards. The unmutated tree must pass first;
# a mutant that does not compile is reported (NOBUILD) and not counted.
#
#   tests/mutants/run.sh [NAME...]       every mutation, or those whose name contains NAME
#   MUTANTS_DIR=build/mutants            where the copy, logs and report go
#   MUTANTS_CONTRACT=0                   skip the contract test (default: run it when
#                                        tests/contract/node_modules is installed)
#   MUTANTS_TIMEOUT=900                  seconds per mutant before it counts as killed
#
# Not part of `make test` or CI: it rebuilds and reruns the suites once per mutant
# (about a minute each on 2 cores). `make mutants` runs it.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
list="$root/tests/mutants/mutations.txt"
dir=${MUTANTS_DIR:-$root/build/mutants}
case $dir in /*) ;; *) dir=$root/$dir ;; esac
timeout_s=${MUTANTS_TIMEOUT:-900}
contract=${MUTANTS_CONTRACT:-1}
[ -d "$root/tests/contract/node_modules" ] || contract=0
src=$dir/src
report=$dir/report.txt

# The copy: tracked and untracked (not ignored) files of the working tree as they are now.
rm -rf "$src"
mkdir -p "$src" "$dir/logs"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 -I{} sh -c '[ -e "{}" ] && printf "%s\0" "{}"' |
    tar --null -T - -cf -) | (cd "$src" && tar -xf -)
[ "$contract" = 1 ] && ln -s "$root/tests/contract/node_modules" "$src/tests/contract/node_modules"

suite() {
    (cd "$src" && make --no-print-directory -j2 test-unit test-http) || return 1
    if [ "$contract" = 1 ]; then
        (cd "$src" && STRATA_BIN="$src/build/strata" STRATA_ROOT="$src" \
            node tests/contract/run.mjs) || return 1
    fi
    return 0
}

echo "mutants: baseline (unmutated) suite in $src"
if ! suite >"$dir/logs/baseline.log" 2>&1; then
    echo "mutants: the unmutated tree fails its suite; see $dir/logs/baseline.log" >&2
    exit 2
fi

# Entries: "@ name" then "- original" then "+ replacement" (text after "- "/"+ ").
names=() originals=() replacements=()
while IFS= read -r line; do
    case $line in
    "@ "*) names+=("${line#@ }") ;;
    "- "*) originals+=("${line#- }") ;;
    "+ "*) replacements+=("${line#+ }") ;;
    "" | "#"*) ;;
    *) echo "mutants: bad line in $list: $line" >&2; exit 2 ;;
    esac
done <"$list"
if [ ${#names[@]} -ne ${#originals[@]} ] || [ ${#names[@]} -ne ${#replacements[@]} ]; then
    echo "mutants: every entry needs @ name, - original and + replacement" >&2
    exit 2
fi

: >"$report"
killed=0 survived=0 total=0
for i in "${!names[@]}"; do
    name=${names[$i]} original=${originals[$i]} replacement=${replacements[$i]}
    if [ $# -gt 0 ]; then
        wanted=0
        for w in "$@"; do case $name in *"$w"*) wanted=1 ;; esac; done
        [ $wanted = 1 ] || continue
    fi
    files=$(cd "$src" && grep -rlF -- "$original" server include 2>/dev/null)
    count=$(cd "$src" && grep -rhoF -- "$original" server include 2>/dev/null | wc -l)
    if [ "$count" -ne 1 ]; then
        echo "mutants: '$name': the original text occurs $count times in server/ and include/" >&2
        echo "error   $name (original found $count times)" >>"$report"
        continue
    fi
    total=$((total + 1))
    cp "$src/$files" "$dir/saved"
    ORIGINAL=$original REPLACEMENT=$replacement perl -0pi -e \
        's/\Q$ENV{ORIGINAL}\E/$ENV{REPLACEMENT}/' "$src/$files"
    log="$dir/logs/$(printf '%02d' "$i").log"
    # a mutant the compiler refuses (-Werror) says nothing about the tests: not counted
    if ! (cd "$src" && make --no-print-directory -j2 build/strata) >"$log" 2>&1; then
        total=$((total - 1))
        printf 'NOBUILD  %s (%s): fix the mutation\n' "$name" "$files" | tee -a "$report"
        cp "$dir/saved" "$src/$files"
        touch "$src/$files"
        continue
    fi
    if timeout "$timeout_s" bash -c "$(declare -f suite); src='$src' contract='$contract' suite" \
        >>"$log" 2>&1; then
        survived=$((survived + 1))
        printf 'SURVIVED %s (%s)\n' "$name" "$files" | tee -a "$report"
    else
        killed=$((killed + 1))
        printf 'killed   %s (%s)\n' "$name" "$files" | tee -a "$report"
    fi
    cp "$dir/saved" "$src/$files"
    touch "$src/$files"
done
printf 'mutants: %d of %d killed, %d survived (score %d%%); report %s\n' "$killed" "$total" \
    "$survived" $((total ? 100 * killed / total : 0)) "$report" | tee -a "$report"
[ "$survived" -eq 0 ]
