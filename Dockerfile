# The registry's container image.
#
#   docker build -t registry .                                   # the image operators run (target `runtime`)
#   docker build --build-arg BUILD_IMAGE=swift:6.2-bookworm -t registry .
#
# Stages:
#   build             the Swift toolchain image: compiles `registry` in release mode with the Swift
#                     standard library and Foundation linked statically (--static-swift-stdlib), so the
#                     runtime image needs no Swift runtime; drops the debug information (strip --strip-debug:
#                     about 155 MB to 105 MB), keeping the symbol table.
#   prebuilt          takes an already built binary from the build context instead
#                     (.build/container/registry; scripts/smoke-container.sh puts it there, built and
#                     stripped the same way).
#   runtime-base      Debian slim with only the C libraries the binary loads, a non-root user, the default
#                     configuration in /etc/registry, the health check and the entry point. No binary.
#   runtime-prebuilt  runtime-base + the prebuilt binary: what scripts/smoke-container.sh tests.
#   runtime           runtime-base + the binary of the build stage: the default target, what operators get.
# The two runtime targets differ only in where /usr/local/bin/registry comes from.
#
# Base images are build arguments so a machine without a registry can use local images
# (scripts/smoke-container.sh: RUNTIME_IMAGE=localhost/bookworm-minbase). Both must be Debian bookworm
# (the runtime libraries are bookworm's sonames: libmongoc-1.0-0, libssl3).
# With podman, build with `--format docker`: the OCI image format has no HEALTHCHECK.

ARG BUILD_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libmongoc-dev libbson-dev libyaml-dev libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first: this layer is reused until Package.swift changes.
COPY Package.swift ./
RUN swift package resolve
# SwiftPM checks every target's directory, tests and benchmarks included, even to build one product.
COPY Sources ./Sources
COPY Tests ./Tests
COPY Benchmarks ./Benchmarks
RUN swift build -c release --product registry --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --product registry --static-swift-stdlib --show-bin-path)/registry" /out/registry \
 && strip --strip-debug /out/registry \
 && /out/registry --help >/dev/null

# ---------------------------------------------------------------------------------------------------------
FROM scratch AS prebuilt
COPY .build/container/registry /out/registry

# ---------------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime-base
# What the statically linked binary still loads (ldd): libmongoc and libbson (with their own dependencies:
# libssl3, libsasl2, libsnappy, libzstd, libicu, libmongocrypt), libstdc++ and libgcc_s. libyaml is not
# needed: Yams compiles its own copy. ca-certificates: TLS to MongoDB (mongodb+srv://, tls=true).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libmongoc-1.0-0 libbson-1.0-0 libssl3 libstdc++6 ca-certificates \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 registry \
 && useradd --uid 10001 --gid registry --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin registry
# Default configuration; mount a directory over /etc/registry (read-only) to replace it.
COPY routes.yaml limits.yaml jobs.yaml /etc/registry/
ENV REGISTRY_CONFIG_DIR=/etc/registry
# Numeric, so that runtimes enforcing runAsNonRoot can check it without reading /etc/passwd.
USER 10001:10001
WORKDIR /tmp
# HTTP API (PORT) and signaling WebSocket (SIGNALING_PORT).
EXPOSE 3000 8080
# Alive check without extra packages: bash's /dev/tcp sends GET /healthz to $PORT. `Connection: close`, so the
# server ends the response with EOF (the body has no final newline for grep); timeout bounds it on runtimes
# that do not enforce --timeout.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["timeout", "4", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\"${PORT:-3000}\" && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && grep -q '\"status\":\"ok\"' <&3"]
# registry is PID 1 and handles SIGTERM/SIGINT (graceful shutdown, exit 0).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/registry"]
CMD ["serve"]

# ---------------------------------------------------------------------------------------------------------
FROM runtime-base AS runtime-prebuilt
COPY --from=prebuilt /out/registry /usr/local/bin/registry

# ---------------------------------------------------------------------------------------------------------
# The default target (last stage).
FROM runtime-base AS runtime
COPY --from=build /out/registry /usr/local/bin/registry
