#!/usr/bin/env bash
# tests/docker/test.sh - build the container image and check it from the host.
#
# Uses docker when `docker info` works, podman otherwise (set up by setup.sh).
# Every check prints "ok - ..." or "FAIL - ...", the script ends with the line
# "N passed, M failed" and exits non-zero when a check failed.
#
# Environment: STRATA_IMAGE (tag to build, default localhost/strata:test),
# STRATA_PODMAN_DIR (podman storage, default /var/tmp/strata-podman),
# ENGINE (force docker or podman), MAX_ADDED_MB (default 40).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/docker/lib.sh
. "$here/lib.sh"

IMAGE=${STRATA_IMAGE:-localhost/strata:test}
MAX_ADDED_MB=${MAX_ADDED_MB:-40}
t_start=$(date +%s)

"$here/setup.sh" || die "container engine setup failed"
engine_init || die "no container engine"
E=$ENGINE
log "engine: $E"

pass=0
fail=0
skip=0
ok() { pass=$((pass + 1)); printf 'ok - %s\n' "$*"; }
no() { fail=$((fail + 1)); printf 'FAIL - %s\n' "$*"; }
skipped() { skip=$((skip + 1)); printf 'skip - %s\n' "$*"; }
# check NAME CMD...: the command's status decides.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else no "$name"; fi
}

tmp=$(mktemp -d)
url=""
containers=()
cleanup() {
    local c
    for c in "${containers[@]}"; do "$E" rm -f "$c" >/dev/null 2>&1; done
    rm -rf "$tmp"
}
trap cleanup EXIT

json_ok() { # FILE: is valid JSON
    if command -v jq >/dev/null 2>&1; then
        jq -e . "$1" >/dev/null 2>&1
    else
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null
    fi
}
json_get() { # FILE KEY: a top-level string field, or nothing
    if command -v jq >/dev/null 2>&1; then
        jq -r --arg k "$2" '.[$k] // empty | tostring' "$1" 2>/dev/null
    else
        python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2" 2>/dev/null
    fi
}
# get URL: fills $tmp/body and $tmp/headers, prints the HTTP status.
get() {
    curl -s -m 5 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$1" 2>/dev/null || true
}
header() { # NAME: from the last get
    sed -n "s/^$1:[[:space:]]*//Ip" "$tmp/headers" | tr -d '\r' | tail -n 1
}
# start NAME [engine run options]: runs the image detached, publishes 8080 on
# a free loopback port and sets $url.
start() {
    local name=$1 port
    shift
    "$E" rm -f "$name" >/dev/null 2>&1
    # podman mounts tmpfs on /tmp and /run under --read-only unless told not
    # to; docker does not, so the image must work without them.
    [ "$E" = podman ] && set -- --read-only-tmpfs=false "$@"
    # (podman without systemd logs harmless errors about healthcheck timers)
    if ! "$E" run -d --name "$name" --read-only --cap-drop=ALL -p 127.0.0.1::8080 "$@" "$IMAGE" \
        >/dev/null 2>"$tmp/run.err"; then
        sed 's/^/    | /' "$tmp/run.err"
        return 1
    fi
    containers+=("$name")
    port=$("$E" port "$name" 8080/tcp | head -n 1 | sed 's/.*://')
    [ -n "$port" ] || return 1
    url="http://127.0.0.1:$port"
}
# wait_ready: /readyz answers 200 within 20 s.
wait_ready() {
    for _ in $(seq 1 100); do
        [ "$(get "$url/readyz")" = 200 ] && return 0
        sleep 0.2
    done
    return 1
}
# model_id: the model version /readyz reports (16 hex digits), or its ETag.
model_id() {
    local v
    [ "$(get "$url/readyz")" = 200 ] || return 1
    v=$(json_get "$tmp/body" model_version)
    if [ ${#v} = 16 ]; then echo "$v"; else header ETag; fi
}
# The image's HEALTHCHECK command, run in c1 against a port nobody serves.
probe_fails() { ! "$E" exec -e STRATA_PORT=1 "$c1" "$@" >/dev/null 2>&1; }
write_fails() { ! "$E" exec "$c1" bash -c ': > /srv/strata/data/probe' 2>/dev/null; }
quiet() { "$@" >/dev/null 2>&1; }
logs_tail() { "$E" logs "$1" 2>&1 | tail -n 20 | sed 's/^/    | /'; }
inspect() { "$E" inspect --format "$1" "$2" 2>/dev/null; }

# ---- build ------------------------------------------------------------------
version=$(cat "$root/VERSION" 2>/dev/null || echo 0.0.0)
revision=$(git -C "$root" rev-parse -q --verify HEAD 2>/dev/null || echo unknown)
source_url=$(git -C "$root" remote get-url origin 2>/dev/null || echo unknown)
build_opts=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "SOURCE=$source_url")
[ "$E" = podman ] && build_opts+=(--pull=never --format docker)
log "building $IMAGE"
b0=$(date +%s)
if "$E" build "${build_opts[@]}" -t "$IMAGE" "$root" >"$tmp/build.log" 2>&1; then
    build_s=$(($(date +%s) - b0))
    ok "image builds (${build_s} s)"
else
    no "image builds"
    tail -n 30 "$tmp/build.log" | sed 's/^/    | /'
    printf '%d passed, %d failed\n' "$pass" "$fail"
    exit 1
fi

# ---- image metadata ---------------------------------------------------------
size=$(inspect '{{.Size}}' "$IMAGE")
base=$(inspect '{{.Size}}' "$BASE_IMAGE")
added=$((size - base))
added_mb=$(awk -v b="$added" 'BEGIN { printf "%.1f", b / 1e6 }')
log "layers the Dockerfile adds (newest first):"
"$E" history --format '{{.Size}}\t{{.CreatedBy}}' "$IMAGE" 2>/dev/null | cut -c1-110 | sed 's/^/    /' >&2
check "size added to the base image: $added_mb MB (limit $MAX_ADDED_MB MB)" \
    test "$added" -gt 0 -a "$added" -lt $((MAX_ADDED_MB * 1000000))
check "runs as uid 10001" test "$(inspect '{{.Config.User}}' "$IMAGE")" = 10001:10001
check "exposes 8080" grep -q 8080 <<<"$(inspect '{{json .Config.ExposedPorts}}' "$IMAGE")"
if [ "$E" = podman ]; then hc=$(inspect '{{json .HealthCheck}}' "$IMAGE"); else hc=$(inspect '{{json .Config.Healthcheck}}' "$IMAGE"); fi
check "has a HEALTHCHECK on /healthz" grep -q /healthz <<<"$hc"
check "stop signal SIGTERM" test "$(inspect '{{.Config.StopSignal}}' "$IMAGE")" = SIGTERM
labels=$(inspect '{{json .Config.Labels}}' "$IMAGE")
label_ok=true
for l in title description version source licenses; do
    grep -q "\"org.opencontainers.image.$l\"" <<<"$labels" || label_ok=false
done
check "OCI labels (title, description, version, source, licenses)" $label_ok
check "label version = VERSION ($version)" grep -q "\"org.opencontainers.image.version\":\"$version\"" <<<"$labels"

# ---- a read-only container with no capabilities -----------------------------
c1=strata-test-$$-a
if start "$c1" && wait_ready; then
    ok "container starts read-only with --cap-drop=ALL, /readyz 200"
else
    no "container starts read-only with --cap-drop=ALL, /readyz 200"
    logs_tail "$c1"
fi
# The bundled model was compiled in the build stage: the start opens that file.
opened=$("$E" logs "$c1" 2>&1 | grep -o 'opened the cached compile [^ ]* .* in [0-9.]* ms' | head -n 1)
check "starts from the model compiled at build time (${opened:-no such log line})" \
    test -n "$opened"
if [ "$E" = podman ]; then
    check "podman healthcheck run succeeds" quiet podman healthcheck run "$c1"
else
    h=""
    # docker runs the first probe one --interval (30 s) after the start
    for _ in $(seq 1 60); do
        h=$(inspect '{{.State.Health.Status}}' "$c1")
        [ "$h" = healthy ] && break
        sleep 1
    done
    check "docker health status healthy" test "$h" = healthy
fi
# The probe must also be able to fail: run it against a port nobody serves.
if mapfile -d '' -t probe < <(jq -j '.Test[1:][] | ., "\u0000"' <<<"$hc" 2>/dev/null) && [ ${#probe[@]} -gt 0 ]; then
    check "HEALTHCHECK command fails when nothing listens" \
        probe_fails "${probe[@]}"
fi
check "GET /healthz 200" test "$(get "$url/healthz")" = 200
code=$(get "$url/")
check "GET / 200" test "$code" = 200
check "GET / is JSON" json_ok "$tmp/body"
code=$(get "$url/v1/actors")
check "GET /v1/actors 200" test "$code" = 200
check "GET /v1/actors is JSON with data" \
    test "$(json_get "$tmp/body" data | head -c 1)" = "[" -a "$(header Content-Type | cut -d';' -f1)" = application/json
if [ -f "$root/api-spec/openapi.yaml" ]; then
    code=$(get "$url/openapi.json")
    check "GET /openapi.json 200" test "$code" = 200
    check "/openapi.json is an OpenAPI document" test -n "$(json_get "$tmp/body" openapi)"
else
    skipped "GET /openapi.json: api-spec/openapi.yaml does not exist in the repo"
fi
status=$("$E" exec "$c1" cat /proc/1/status 2>/dev/null)
uid=$(awk '/^Uid:/ { print $2 }' <<<"$status")
check "process uid is not 0 (uid ${uid:-?})" test -n "$uid" -a "$uid" != 0
check "process has no effective capabilities" grep -q '^CapEff:[[:space:]]*0*$' <<<"$status"
check "root filesystem is read-only" \
    write_fails

s0=$(date +%s.%N)
quiet "$E" stop -t 10 "$c1"
s1=$(date +%s.%N)
stop_s=$(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.2f", b - a }')
code=$(inspect '{{.State.ExitCode}}' "$c1")
check "SIGTERM stops it in ${stop_s} s with exit code ${code:-?}" \
    awk -v s="$stop_s" -v c="$code" 'BEGIN { exit !(c == "0" && s < 5) }'
[ "$code" = 0 ] || logs_tail "$c1"

# ---- model swap: mount a model directory, change it, SIGHUP -----------------
mdir=$tmp/model
mkdir -p "$mdir"
cp -r "$root/data/." "$mdir/"
chmod -R a+rX "$tmp"
second=$tmp/second
if [ -d "$root/tests/fixtures/valid" ]; then
    cp -r "$root/tests/fixtures/valid" "$second"
    second_name=tests/fixtures/valid
else
    # No second model in the tree yet: the bundled one with a changed byte
    # (a trailing newline keeps it valid JSON) is a different model version.
    cp -r "$root/data" "$second"
    printf '\n' >>"$second/model.json"
    second_name="data/ with model.json changed"
fi
chmod -R a+rX "$second"

c2=strata-test-$$-b
if start "$c2" -v "$mdir:/srv/strata/data:ro" && wait_ready; then
    ok "container serves a mounted model directory"
    v1=$(model_id)
    get "$url/v1/actors" >/dev/null
    e1=$(header ETag)
    pid1=$(inspect '{{.State.Pid}}' "$c2")
    cp -r "$second/." "$mdir/"
    "$E" kill --signal HUP "$c2" >/dev/null 2>&1
    v2=$v1
    for _ in $(seq 1 50); do
        v2=$(model_id)
        [ -n "$v2" ] && [ "$v2" != "$v1" ] && break
        sleep 0.2
    done
    check "SIGHUP reloads the model ($second_name): ${v1:-?} -> ${v2:-?}" \
        test -n "$v1" -a -n "$v2" -a "$v1" != "$v2"
    get "$url/v1/actors" >/dev/null
    e2=$(header ETag)
    check "/v1/actors ETag changes with the model: ${e1:-?} -> ${e2:-?}" \
        test -n "$e1" -a -n "$e2" -a "$e1" != "$e2"
    check "reload keeps the process (pid $pid1) and /readyz 200" \
        test "$(inspect '{{.State.Pid}}' "$c2")" = "$pid1" -a "$(get "$url/readyz")" = 200
    # A bad model is refused and the old one keeps serving.
    printf '{"schema_version": 1, "broken": ' >"$mdir/model.json"
    "$E" kill --signal HUP "$c2" >/dev/null 2>&1
    sleep 1
    v3=$(model_id)
    check "SIGHUP with a broken model keeps serving the previous one" \
        test "$v3" = "$v2" -a "$(get "$url/healthz")" = 200
    "$E" stop -t 10 "$c2" >/dev/null 2>&1

    # Restarting on the second model gives the same version as the reload.
    c3=strata-test-$$-c
    if start "$c3" -v "$second:/srv/strata/data:ro" && wait_ready; then
        v4=$(model_id)
        check "a fresh container on the second model serves the reloaded version" \
            test -n "$v4" -a "$v4" = "$v2"
        "$E" stop -t 10 "$c3" >/dev/null 2>&1
    else
        no "a fresh container on the second model starts"
        logs_tail "$c3"
    fi
else
    no "container serves a mounted model directory"
    logs_tail "$c2"
fi

# ---- a mounted compiled model file ----------------------------------------
# Compiled by the image itself (--export-db), served with STRATA_DATA.
mkdir -p "$tmp/compiled"
chmod 777 "$tmp/compiled"
if "$E" run --rm --cap-drop=ALL -v "$second:/m:ro" -v "$tmp/compiled:/out" "$IMAGE" \
    --data /m --export-db /out/model.strata >"$tmp/export.log" 2>&1; then
    ok "the image compiles a model (--export-db): $(tr -d '\r' <"$tmp/export.log" | tail -n 1)"
    chmod a+r "$tmp/compiled/model.strata"
    c4=strata-test-$$-d
    if start "$c4" -v "$tmp/compiled/model.strata:/srv/model.strata:ro" \
        -e STRATA_DATA=/srv/model.strata && wait_ready; then
        v5=$(model_id)
        check "container serves a mounted compiled file, the second model: ${v5:-?}" \
            test -n "$v5" -a "$v5" = "${v2:-none}"
        opened=$("$E" logs "$c4" 2>&1 | grep -o 'opened the compiled model .* in [0-9.]* ms' | head -n 1)
        check "the compiled file is opened, not compiled (${opened:-no such log line})" test -n "$opened"
        "$E" stop -t 10 "$c4" >/dev/null 2>&1
    else
        no "container serves a mounted compiled file"
        logs_tail "$c4"
    fi
else
    no "the image compiles a model (--export-db)"
    sed 's/^/    | /' "$tmp/export.log"
fi

printf '%s\n' "image $IMAGE: build ${build_s:-?} s, adds $added_mb MB, SIGTERM stop ${stop_s:-?} s, whole test $(($(date +%s) - t_start)) s"
[ "$skip" = 0 ] || printf '%d skipped (see "skip" lines)\n' "$skip"
printf '%d passed, %d failed\n' "$pass" "$fail"
[ "$fail" = 0 ]
