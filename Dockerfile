# Strata: the read-only JSON API as a container image.
#
#   docker build --build-arg VERSION=$(cat VERSION) -t strata .
#   docker run --rm --read-only --cap-drop=ALL -p 8080:8080 strata
#
# Swap the model without rebuilding: mount another model directory over
# /srv/strata/data (model.json + article.txt) and send SIGHUP, or restart;
# or mount a compiled model file and set STRATA_DATA to it:
#   docker run ... -v $PWD/model.strata:/srv/model.strata:ro -e STRATA_DATA=/srv/model.strata strata
# `make test-docker` builds and checks this image (docker, or podman when no
# Docker engine runs).

# ---- build stage: compile with the project's own Makefile -------------------
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential pkg-config libmicrohttpd-dev libcjson-dev libsqlite3-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# scripts/ and api-spec/: the Makefile regenerates server/model_schema.c from
# api-spec/model.schema.json when the schema is newer.
COPY Makefile VERSION ./
COPY scripts/ scripts/
COPY api-spec/ api-spec/
COPY include/ include/
COPY server/ server/
RUN make BUILD=build build/strata \
 && strip --strip-unneeded build/strata
# A model that does not validate fails the build, not the container. Then it
# is compiled once, here: the runtime opens the compiled file in milliseconds
# (the cache folder holds it under the hash of data/model.json).
COPY data/ data/
RUN build/strata --check --data data \
 && build/strata --compile --data data --cache-dir /src/cache \
 && build/strata --check --data /src/cache/*.strata

# ---- runtime stage: the binary, the model, the spec, and the runtime libs ---
FROM debian:bookworm-slim

ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG SOURCE=unknown
ARG LICENSES=MIT
LABEL org.opencontainers.image.title="strata" \
      org.opencontainers.image.description="Read-only JSON HTTP API over the extracted model of one article" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}"

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libcjson1 libsqlite3-0 zlib1g \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 10001 strata \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin strata

COPY --from=build /src/build/strata /usr/local/bin/strata
COPY data/ /srv/strata/data/
COPY --from=build /src/cache/ /srv/strata/cache/
COPY api-spec/ /srv/strata/api-spec/

# Every flag --foo-bar can also be set as STRATA_FOO_BAR. The bundled model
# starts from its compiled file in /srv/strata/cache. A model directory
# mounted over /srv/strata/data is compiled at start (into memory: the image
# is read-only); a compiled file (strata --export-db) is served with
# STRATA_DATA=/path/to/model.strata.
ENV STRATA_BIND=0.0.0.0 \
    STRATA_PORT=8080 \
    STRATA_DATA=/srv/strata/data \
    STRATA_CACHE_DIR=/srv/strata/cache \
    STRATA_SPEC_DIR=/srv/strata/api-spec
WORKDIR /srv/strata
# Numeric, so that runAsNonRoot-style checks can verify it without /etc/passwd.
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
# bash is in every Debian image, so the probe adds nothing to the image: it
# sends one HTTP/1.0 request over /dev/tcp and wants "200" in the status line.
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${STRATA_PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r -t 2 _ code _ <&3 && [ \"${code:0:3}\" = 200 ]"]
ENTRYPOINT ["/usr/local/bin/strata"]
