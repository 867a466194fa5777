#!/bin/sh
# check-header-comments.sh - header comments name only things that exist.
#
# A contract comment that cites a constant (RESPONSE_OK) or a function
# (store_open()) that is gone misleads the next reader. For every header given
# (default: include/*.h) this finds, in its comment lines, the upper-case
# names with an underscore and the lower-case names followed by "()", and
# fails for each one that no code line of server/, include/ or tests/ (a line
# that is not a comment) mentions. Names from the libraries (MHD_, SQLITE_,
# cJSON_, sqlite3_, curl_) and the C library pass.
set -eu
[ $# -gt 0 ] || set -- include/*.h
code=$(mktemp)
trap 'rm -f "$code"' EXIT
# code lines only: drop lines that are (part of) a block comment or a // comment
find server include tests -name '*.[ch]' -print0 2>/dev/null | xargs -0 cat |
    grep -v '^[[:space:]]*\(/\*\|\*\|//\)' >"$code" || true
status=0
for header in "$@"; do
    names=$(grep '^[[:space:]]*\(/\*\|\*\)' "$header" |
        grep -o '\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b\|\b[a-z][a-z0-9]*_[a-z0-9_]*()' | sort -u) || true
    for name in $names; do
        bare=${name%"()"}
        case $bare in MHD_* | SQLITE_* | cJSON_* | sqlite3_* | curl_* | CURLOPT_* | O_* | EXIT_* | SIG*) continue ;; esac
        if ! grep -q "\\b$bare\\b" "$code"; then
            echo "$header: the comment names $name, which no code defines or uses" >&2
            status=1
        fi
    done
done
exit $status
