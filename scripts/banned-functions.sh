#!/bin/sh
# Fails when a C file calls a function the house style bans (see STYLE: curl's banned list).
# Usage: scripts/banned-functions.sh FILE...
status=0
for f in "$@"; do
    case "$f" in *.c|*.h) ;; *) continue ;; esac
    if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atoll|gets|strncpy)[[:space:]]*\(' "$f"; then
        echo "$f: banned function (use snprintf, memcpy with a length, strtol, strtok_r)" >&2
        status=1
    fi
done
exit $status
