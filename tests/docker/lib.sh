# shellcheck shell=bash
# tests/docker/lib.sh - shared by setup.sh and test.sh (sourced, not run).
#
# Picks the container engine: `docker` when `docker info` answers (a real
# engine), otherwise podman configured for this kind of machine (runc,
# cgroupfs, file events, explicit ulimits) with its storage under
# STRATA_PODMAN_DIR (default /var/tmp/strata-podman), so nothing outside that
# directory is changed. After `engine_init`, run the engine as "$ENGINE".

STRATA_PODMAN_DIR=${STRATA_PODMAN_DIR:-/var/tmp/strata-podman}
export BASE_IMAGE=docker.io/library/debian:bookworm-slim

log() { printf '[docker] %s\n' "$*" >&2; }
die() { printf '[docker] error: %s\n' "$*" >&2; exit 1; }

# Writes the podman configuration files (idempotent) and exports their paths.
podman_config() {
    local d=$STRATA_PODMAN_DIR nofile
    mkdir -p "$d/graph" "$d/run" "$d/tmp"
    nofile=$(ulimit -Hn)
    [ "$nofile" = unlimited ] && nofile=1048576
    cat > "$d/storage.conf.new" <<CONF
[storage]
driver = "overlay"
graphroot = "$d/graph"
runroot = "$d/run"
CONF
    cat > "$d/containers.conf.new" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
    mv "$d/storage.conf.new" "$d/storage.conf"
    mv "$d/containers.conf.new" "$d/containers.conf"
    export CONTAINERS_STORAGE_CONF="$d/storage.conf"
    export CONTAINERS_CONF="$d/containers.conf"
    export TMPDIR="$d/tmp"
}

# Sets ENGINE to docker or podman (podman gets its configuration exported).
engine_init() {
    if [ -z "${ENGINE:-}" ]; then
        if command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; then
            ENGINE=docker
        else
            ENGINE=podman
        fi
    fi
    if [ "$ENGINE" = podman ]; then
        command -v podman >/dev/null 2>&1 || return 1
        podman_config
    fi
    export ENGINE
}
