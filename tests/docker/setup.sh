#!/usr/bin/env bash
# tests/docker/setup.sh - make a container engine ready to build the Dockerfile.
#
# With a working Docker engine (`docker info` succeeds) there is nothing to do.
# Otherwise: install podman, runc and debootstrap (apt-get) when missing, write
# the podman configuration under STRATA_PODMAN_DIR (default
# /var/tmp/strata-podman), and, unless that storage already holds it, create
# the base image docker.io/library/debian:bookworm-slim from a debootstrap
# minbase rootfs fetched from the Debian mirror this machine's apt uses (no
# registry is needed). The machine's Debian apt sources are copied into the
# image so that `RUN apt-get` in the build reaches the same mirror.
# Idempotent: a second run only checks. Exit status 0 when ready.
# `setup.sh --clean` removes the podman storage directory (images, cache).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/docker/lib.sh
. "$here/lib.sh"

SUITE=bookworm

if [ "${1:-}" = --clean ]; then
    if [ -f "$STRATA_PODMAN_DIR/storage.conf" ] && command -v podman >/dev/null 2>&1; then
        export CONTAINERS_STORAGE_CONF="$STRATA_PODMAN_DIR/storage.conf"
        export CONTAINERS_CONF="$STRATA_PODMAN_DIR/containers.conf"
        podman system reset -f >/dev/null 2>&1 || true
    fi
    rm -rf "$STRATA_PODMAN_DIR"
    log "removed $STRATA_PODMAN_DIR"
    exit 0
fi
[ $# = 0 ] || die "usage: $0 [--clean]"
engine_init || true
if [ "${ENGINE:-}" = docker ]; then
    log "docker engine answers; no setup needed"
    exit 0
fi

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

missing=""
for p in podman runc debootstrap; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    command -v apt-get >/dev/null 2>&1 || die "no docker engine and no apt-get: install podman, runc and debootstrap"
    log "installing:$missing"
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086 # a list of package names
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
ENGINE=podman
engine_init || die "podman is not usable"

# One setup at a time (two `make test-docker` in parallel share the storage).
exec 9>"$STRATA_PODMAN_DIR/setup.lock"
flock 9

if podman image exists "$BASE_IMAGE"; then
    log "base image $BASE_IMAGE present (cached in $STRATA_PODMAN_DIR)"
    exit 0
fi

# The machine's apt source files: /etc/apt/sources.list and sources.list.d/*.
apt_source_files() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && printf '%s\n' "$f"
    done
}

# The first mirror URI that serves the suite itself (not -updates/-security),
# read from one-line (.list) and deb822 (.sources) files.
find_mirror() {
    local f
    apt_source_files | while read -r f; do
        case "$f" in
        *.sources)
            awk -v suite="$SUITE" '
                function flush() {
                    if (deb && uris != "" && (" " suites " ") ~ (" " suite " ")) {
                        split(uris, u, " "); print u[1]; found = 1; exit
                    }
                    deb = 0; uris = ""; suites = ""
                }
                /^[ \t]*$/ { flush(); next }
                /^[ \t]*#/ { next }
                tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
                tolower($1) == "uris:" { $1 = ""; uris = $0 }
                tolower($1) == "suites:" { $1 = ""; suites = $0 }
                tolower($1) == "enabled:" && tolower($2) == "no" { deb = 0 }
                END { if (!found) flush() }' "$f"
            ;;
        *)
            awk -v suite="$SUITE" '
                $1 == "deb" {
                    i = 2
                    if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                    if ($(i + 1) == suite) { print $i; exit }
                }' "$f"
            ;;
        esac
    done | head -n 1
}

mirror=$(find_mirror)
[ -n "$mirror" ] || die "no '$SUITE' Debian mirror found in the apt sources of this machine"
log "building $BASE_IMAGE with debootstrap from $mirror (takes a minute or two)"

rootfs="$STRATA_PODMAN_DIR/rootfs"
$SUDO rm -rf "$rootfs"
include=""
case "$mirror" in https:*) include="--include=ca-certificates" ;; esac
# shellcheck disable=SC2086
if ! $SUDO debootstrap --variant=minbase $include "$SUITE" "$rootfs" "$mirror" \
    >"$STRATA_PODMAN_DIR/debootstrap.log" 2>&1; then
    tail -n 20 "$STRATA_PODMAN_DIR/debootstrap.log" >&2
    die "debootstrap failed (log: $STRATA_PODMAN_DIR/debootstrap.log)"
fi

# apt sources: the machine's Debian entries (those naming the suite whose
# keyrings exist in the rootfs), in place of debootstrap's one-line file.
$SUDO rm -f "$rootfs/etc/apt/sources.list"
copied=0
while read -r f; do
    grep -Eq "^[^#]*[[:space:]]$SUITE([-[:space:]]|$)" "$f" || continue
    ok=1
    # shellcheck disable=SC2013 # keyring paths have no spaces
    for key in $(sed -n 's/.*[Ss]igned-[Bb]y[:=][[:space:]]*\([^] ]*\).*/\1/p' "$f"); do
        [ -e "$rootfs$key" ] || ok=0
    done
    [ "$ok" = 1 ] || { log "skipping $f (its keyring is not in the image)"; continue; }
    case "$f" in
    /etc/apt/sources.list) $SUDO cp "$f" "$rootfs/etc/apt/sources.list" ;;
    *) $SUDO cp "$f" "$rootfs/etc/apt/sources.list.d/" ;;
    esac
    copied=$((copied + 1))
done < <(apt_source_files)
if [ "$copied" = 0 ]; then
    printf 'deb %s %s main\n' "$mirror" "$SUITE" | $SUDO tee "$rootfs/etc/apt/sources.list" >/dev/null
fi
$SUDO rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
$SUDO tar -C "$rootfs" -c . | podman import --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
$SUDO rm -rf "$rootfs"
podman image exists "$BASE_IMAGE" || die "import of $BASE_IMAGE failed"
log "base image $BASE_IMAGE ready"
