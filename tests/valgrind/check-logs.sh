#!/bin/sh
# Check every valgrind log in a directory: zero errors, zero definitely and
# indirectly lost bytes, and a complete report (the process exited; a killed
# daemon leaves no summary). Usage: tests/valgrind/check-logs.sh DIR
set -u
dir=$1
status=0
count=0
for log in "$dir"/strata.*.log; do
    [ -e "$log" ] || continue
    count=$((count + 1))
    if ! grep -q 'ERROR SUMMARY:' "$log"; then
        echo "valgrind: $log: no summary (the process did not exit normally)"
        status=1
        continue
    fi
    if ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
        echo "valgrind: $log: errors:"
        grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Source and|[0-9,]+ bytes in)' "$log" | head -20
        status=1
    fi
    for kind in definitely indirectly; do
        if grep -E "$kind lost: [1-9]" "$log" >/dev/null; then
            echo "valgrind: $log: $(grep -E "$kind lost:" "$log" | sed 's/^==[0-9]*== *//')"
            status=1
        fi
    done
done
if [ "$count" -eq 0 ]; then
    echo "valgrind: no logs in $dir (was the daemon run under valgrind?)"
    exit 1
fi
if [ $status -eq 0 ]; then
    echo "valgrind: $count daemon processes: 0 errors, 0 bytes definitely or indirectly lost"
fi
exit $status
