#!/usr/bin/env bash
# Smoke test of the container image: builds the Dockerfile's runtime stage with podman (target
# runtime-prebuilt: the runtime stage operators get, with the binary built on this machine instead of in the
# Swift build stage) on a local Debian bookworm base image, runs it as operators do (configuration mounted
# read-only at /etc/registry, settings from the environment) and checks, printing PASS/FAIL lines:
#   the image (non-root user, ports, health check, entry point, libraries resolved), `registry check` in it;
#   announce (with an environment override visible in RateLimit-Limit), peers, a WebSocket relay;
#   the HEALTHCHECK, the process's uid, a clean SIGTERM stop (exit 0);
#   an edited mounted limits.yaml, checked with `registry check`, in force after a restart, and another
#   edit in force after SIGHUP (live reload) without one.
# No image registry and no Docker engine are needed: the base image is made with debootstrap and cached
# (podman image localhost/bookworm-minbase), the runtime stage installs its libraries from the Debian mirror.
#
# Usage: scripts/smoke-container.sh       (as root, from anywhere; CI runs it from scripts/test.sh)
# Environment:
#   REGISTRY_BINARY   the binary to put in the image (default .build/release/registry; it must link the Swift
#                     standard library statically: without, or if missing, the script runs
#                     `swift build -c release --product registry --static-swift-stdlib`)
#   DEBIAN_MIRROR     mirror for debootstrap (default: the one of /etc/apt, else http://deb.debian.org/debian)
# The image localhost/p2p-registry:smoke and the base image are kept: their layers are the next run's cache
# (`podman rmi localhost/p2p-registry:smoke localhost/bookworm-minbase` removes them).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin"

started=$SECONDS
base_image="localhost/bookworm-minbase"
image="localhost/p2p-registry:smoke"
container="registry-smoke-$$"
failures=0
work="$(mktemp -d /tmp/registry-smoke.XXXXXX)"

log() { printf '== %s (%ss)\n' "$*" "$((SECONDS - started))"; }
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
die() { fail "$*"; exit 1; }

cleanup() {
    local status=$?
    if command -v podman >/dev/null 2>&1 && podman container exists "$container" 2>/dev/null; then
        if [ "$failures" -gt 0 ] || [ "$status" -ne 0 ]; then
            echo "-- container log (last 40 lines)"
            podman logs --tail 40 "$container" 2>&1 || true
            echo "-- podman's messages"
            cat "$work/podman.log" 2>/dev/null || true
        fi
        podman rm -f -t 0 "$container" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
    if [ "$status" -eq 0 ] && [ "$failures" -gt 0 ]; then status=1; fi
    if [ "$status" -eq 0 ]; then
        echo "smoke-container: all checks passed in $((SECONDS - started))s"
    else
        echo "smoke-container: FAILED ($failures failed checks, exit $status) after $((SECONDS - started))s"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ------------------------------------------------------------------------------------------------
log "tools"
packages=(podman runc debootstrap uidmap slirp4netns fuse-overlayfs curl binutils)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "podman must run as root here; missing packages: ${missing[*]}"
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "$(id -u)" -eq 0 ] || die "run as root (podman with runc and cgroupfs, as set up here)"

# podman as it works on these machines: runc, cgroupfs (no systemd), file events, enough file descriptors.
# Without systemd, podman run/start/stop log "unable to get systemd connection to add healthchecks": the
# HEALTHCHECK has no timer here (this script runs it with `podman healthcheck run`); those messages go to
# $work/podman.log, printed on failure.
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF="$work/containers.conf"

python=".venv/bin/python"
if ! "$python" -c "import websockets" 2>/dev/null; then
    scripts/setup-python.sh
fi

# --- base image -------------------------------------------------------------------------------------------
if podman image exists "$base_image"; then
    log "base image $base_image (cached)"
else
    mirror="${DEBIAN_MIRROR:-}"
    if [ -z "$mirror" ]; then
        # The first Debian archive of this machine's apt sources (comments skipped).
        mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
            | grep -v '^[[:space:]]*#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ' || true)"
        mirror="${mirror:-http://deb.debian.org/debian}"
    fi
    log "base image $base_image: debootstrap --variant=minbase bookworm from $mirror"
    debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 20 "$work/debootstrap.log"; die "debootstrap failed"; }
    # The runtime stage's apt-get runs in this image: point it at the same suites as debian:bookworm-slim.
    cat >"$work/rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
    find "$work/rootfs/var/cache/apt" "$work/rootfs/var/lib/apt/lists" -type f -delete
    tar -C "$work/rootfs" -c . | podman import --quiet - "$base_image" >/dev/null
    rm -rf "$work/rootfs"
fi

# --- binary -----------------------------------------------------------------------------------------------
binary="${REGISTRY_BINARY:-.build/release/registry}"
links_swift_runtime() { ldd "$1" 2>/dev/null | grep -q 'libswiftCore\.so'; }
if [ ! -x "$binary" ] || links_swift_runtime "$binary"; then
    [ -z "${REGISTRY_BINARY:-}" ] || die "$binary is missing or links the Swift runtime dynamically; build it with --static-swift-stdlib"
    log "release build with --static-swift-stdlib (the image has no Swift runtime)"
    swift build -c release --product registry --static-swift-stdlib --quiet
    binary="$(swift build -c release --product registry --static-swift-stdlib --show-bin-path)/registry"
fi
if links_swift_runtime "$binary"; then die "$binary links the Swift runtime dynamically"; fi
# The one file of .build the build context sends (.dockerignore); the prebuilt stage copies it. Without its
# debug information, as the Dockerfile's build stage does.
mkdir -p .build/container
strip --strip-debug -o .build/container/registry "$binary"
chmod 0755 .build/container/registry

# --- image ------------------------------------------------------------------------------------------------
log "podman build --target runtime-prebuilt"
# --format docker: the OCI format has no HEALTHCHECK. --network=host: apt-get in the build reaches the mirror.
if podman build --quiet --format docker --network=host --layers \
        --build-arg RUNTIME_IMAGE="$base_image" --target runtime-prebuilt \
        -t "$image" -f Dockerfile . >"$work/build.log" 2>&1; then
    pass "image builds from the Dockerfile's runtime stage on $base_image"
else
    cat "$work/build.log"
    die "podman build failed"
fi

inspect() { podman image inspect --format "$1" "$image"; }
user="$(inspect '{{.Config.User}}')"
if [ -n "$user" ] && [ "${user%%:*}" != "0" ] && [ "${user%%:*}" != "root" ]; then
    pass "image runs as user $user"
else
    fail "image user is '$user' (want a non-root user)"
fi
# shellcheck disable=SC2016  # a Go template, not a shell expansion
ports="$(inspect '{{range $port, $_ := .Config.ExposedPorts}}{{$port}} {{end}}' | sed 's/ *$//')"
if [[ "$ports" == *3000/tcp* && "$ports" == *8080/tcp* ]]; then pass "image exposes $ports"; else fail "image exposes '$ports'"; fi
healthcheck="$(inspect '{{if .Config.Healthcheck}}{{join .Config.Healthcheck.Test " "}}{{end}}')"
if [[ "$healthcheck" == *healthz* ]]; then pass "image has a HEALTHCHECK on /healthz"; else fail "image HEALTHCHECK is '$healthcheck'"; fi
if inspect '{{join .Config.Env " "}}' | grep -q 'REGISTRY_CONFIG_DIR=/etc/registry'; then
    pass "image sets REGISTRY_CONFIG_DIR=/etc/registry"
else
    fail "image does not set REGISTRY_CONFIG_DIR=/etc/registry"
fi
if unresolved="$(podman run --rm --network=none --entrypoint ldd "$image" /usr/local/bin/registry 2>&1)" \
        && ! grep -q 'not found' <<<"$unresolved"; then
    pass "every library of /usr/local/bin/registry resolves in the image"
else
    echo "$unresolved"
    fail "libraries missing in the image"
fi
if podman run --rm --network=none "$image" check >"$work/check.log" 2>&1; then
    pass "registry check accepts the image's default /etc/registry"
else
    cat "$work/check.log"
    fail "registry check fails on the image's default configuration"
fi

# --- run --------------------------------------------------------------------------------------------------
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
http_port="$(free_port)"
ws_port="$(free_port)"
while [ "$ws_port" = "$http_port" ]; do ws_port="$(free_port)"; done
secret="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
config="$work/config"
mkdir -m 0755 "$config"
cp routes.yaml limits.yaml jobs.yaml "$config/"
chmod 0644 "$config"/*.yaml

wait_healthy() {
    local deadline=$((SECONDS + 60))
    until curl -fsS --max-time 2 "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1; do
        if [ "$(podman inspect --format '{{.State.Running}}' "$container" 2>/dev/null)" != "true" ]; then
            fail "container exited before answering /healthz"
            return 1
        fi
        [ "$SECONDS" -lt "$deadline" ] || { fail "no /healthz answer within 60s"; return 1; }
        sleep 0.3
    done
}

# announce USER PEER → prints the HTTP status; headers in $work/headers, body in $work/body
announce() {
    local token
    token="$(JWT_SECRET="$secret" "$binary" token --config-dir "$config" --user "$1")"
    curl -sS --max-time 10 -o "$work/body" -D "$work/headers" -w '%{http_code}' \
        -X POST "http://127.0.0.1:$http_port/network/smokenet/announce" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "{\"peerId\":\"$2\",\"signalAddress\":\"ws://127.0.0.1:$ws_port/signaling/$2\",\"capabilities\":[\"relay\"]}" \
        || true
}
rate_limit() { tr -d '\r' <"$work/headers" | awk -F': *' 'tolower($1) == "ratelimit-limit" { print $2 }'; }

stop_cleanly() {
    local t0=$SECONDS code
    podman stop -t 20 "$container" >/dev/null 2>>"$work/podman.log"
    code="$(podman inspect --format '{{.State.ExitCode}}' "$container")"
    if [ "$code" = "0" ] && [ $((SECONDS - t0)) -lt 20 ]; then
        pass "SIGTERM ($1): exited 0 in $((SECONDS - t0))s"
    else
        fail "SIGTERM ($1): exit code $code after $((SECONDS - t0))s"
    fi
}

log "podman run (HTTP $http_port, signaling $ws_port, RATE_LIMIT_MAX_REQUESTS=7, config mounted read-only)"
podman run -d --name "$container" --network=host \
    -e JWT_SECRET="$secret" -e HOST=127.0.0.1 -e PORT="$http_port" -e SIGNALING_PORT="$ws_port" \
    -e RATE_LIMIT_MAX_REQUESTS=7 -e LOG_LEVEL=info \
    -v "$config:/etc/registry:ro" "$image" >/dev/null 2>>"$work/podman.log"
if wait_healthy; then pass "container answers /healthz"; else exit 1; fi

status="$(announce smoke-alice peer_smoke_alice)"
limit="$(rate_limit)"
if [ "$status" = "200" ] && grep -q '"success":true' "$work/body"; then
    pass "announce: 200 {\"success\":true}"
else
    fail "announce: HTTP $status $(cat "$work/body")"
fi
if [ "$limit" = "7" ]; then
    pass "announce: RateLimit-Limit 7 (RATE_LIMIT_MAX_REQUESTS from the environment)"
else
    fail "announce: RateLimit-Limit '$limit', want 7"
fi
status="$(announce smoke-bob peer_smoke_bob)"
[ "$status" = "200" ] || fail "announce of a second device: HTTP $status $(cat "$work/body")"

token="$(JWT_SECRET="$secret" "$binary" token --config-dir "$config" --user smoke-alice)"
peers="$(curl -sS --max-time 10 "http://127.0.0.1:$http_port/network/smokenet/peers" -H "Authorization: Bearer $token" || true)"
if grep -q '"deviceId":"peer_smoke_alice"' <<<"$peers" && grep -q '"deviceId":"peer_smoke_bob"' <<<"$peers"; then
    pass "peers lists both announced devices"
else
    fail "peers: $peers"
fi

alice="$(JWT_SECRET="$secret" "$binary" token --config-dir "$config" --user smoke-alice)"
bob="$(JWT_SECRET="$secret" "$binary" token --config-dir "$config" --user smoke-bob)"
if relay="$("$python" - "$ws_port" "$alice" "$bob" <<'PY' 2>&1
import asyncio, json, sys
from websockets.asyncio.client import connect

port, alice, bob = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"ws://127.0.0.1:{port}/signaling/"

async def main():
    async with connect(url + "peer_smoke_bob", additional_headers={"Authorization": f"Bearer {bob}"}) as b, \
               connect(url + "peer_smoke_alice", additional_headers={"Authorization": f"Bearer {alice}"}) as a:
        offer = {"type": "offer", "sdp": "v=0 smoke"}
        await a.send(json.dumps({"type": "offer", "toPeerId": "peer_smoke_bob", "data": offer}))
        frame = json.loads(await asyncio.wait_for(b.recv(), 10))
        assert frame["type"] == "offer" and frame["fromPeerId"] == "peer_smoke_alice" and frame["data"] == offer, frame
        print(f"bob received {frame['type']} from {frame['fromPeerId']}")

asyncio.run(main())
PY
)"; then
    pass "WebSocket relay: $relay"
else
    echo "$relay"
    fail "WebSocket relay"
fi

if health="$(timeout 30 podman healthcheck run "$container" 2>&1)"; then
    pass "HEALTHCHECK: ${health:-healthy}"
else
    fail "HEALTHCHECK: $health"
fi
uid="$(podman exec "$container" awk '/^Uid:/ { print $2 }' /proc/1/status)"
command1="$(podman exec "$container" cat /proc/1/cmdline | tr '\0' ' ' | sed 's/ *$//')"
if [ -n "$uid" ] && [ "$uid" != "0" ]; then
    pass "process 1 ($command1) runs as uid $uid"
else
    fail "process 1 ($command1) runs as uid '$uid'"
fi

log "podman stop (SIGTERM)"
stop_cleanly "first run"

# --- edited configuration ---------------------------------------------------------------------------------
log "edit the mounted limits.yaml: announce max 5, regardless of RATE_LIMIT_MAX_REQUESTS"
sed -i 's/^\(    max: \).*/\15/' "$config/limits.yaml"
grep -q '^    max: 5$' "$config/limits.yaml" || die "could not edit limits.yaml"
if podman run --rm --network=none -v "$config:/etc/registry:ro" "$image" check >"$work/check.log" 2>&1 \
        && grep -q 'max' "$work/check.log"; then
    pass "registry check accepts the edited mounted configuration"
else
    cat "$work/check.log"
    fail "registry check on the edited configuration"
fi
cp -r "$config" "$work/broken"
sed -i 's/^\(    max: \).*/\1five/' "$work/broken/limits.yaml"
if podman run --rm --network=none -v "$work/broken:/etc/registry:ro" "$image" check >"$work/check.log" 2>&1; then
    fail "registry check accepted a broken limits.yaml"
elif grep -q 'limits.yaml:' "$work/check.log"; then
    pass "registry check rejects a broken mounted limits.yaml: $(grep -m 1 'limits.yaml:' "$work/check.log")"
else
    cat "$work/check.log"
    fail "registry check on a broken limits.yaml did not name the file"
fi

log "podman start (same container, same environment, edited file)"
podman start "$container" >/dev/null 2>>"$work/podman.log"
if wait_healthy; then pass "restarted container answers /healthz"; else exit 1; fi
status="$(announce smoke-alice peer_smoke_alice)"
limit="$(rate_limit)"
if [ "$status" = "200" ] && [ "$limit" = "5" ]; then
    pass "after restart: RateLimit-Limit 5 from the edited mounted limits.yaml"
else
    fail "after restart: HTTP $status, RateLimit-Limit '$limit', want 5"
fi

log "live reload: edit the mounted limits.yaml (announce max 4), podman kill --signal HUP"
sed -i 's/^\(    max: \).*/\14/' "$config/limits.yaml"
podman kill --signal HUP "$container" >/dev/null 2>>"$work/podman.log"
limit=""
for _ in $(seq 1 50); do
    status="$(announce smoke-bob peer_smoke_bob)"
    limit="$(rate_limit)"
    [ "$limit" = "4" ] && break
    sleep 0.2
done
if [ "$limit" = "4" ] && [ "$status" = "200" ]; then
    pass "SIGHUP: RateLimit-Limit 4 from the edited file, no restart"
else
    fail "SIGHUP: HTTP $status, RateLimit-Limit '$limit', want 4"
fi
if curl -sS --max-time 5 "http://127.0.0.1:$http_port/readyz" | grep -q '"version":2'; then
    pass "SIGHUP: /readyz shows configuration version 2"
else
    fail "SIGHUP: /readyz does not show configuration version 2"
fi
stop_cleanly "after reload"

[ "$failures" -eq 0 ]
