#!/usr/bin/env bash
# Load benchmarks of the registry (issue 12): builds the release `registry` and `loadgen`, starts the server on
# loopback, runs the four scenarios (sockets, relay, announce, discover) against the embedded engine and against
# MongoStore on mongoeco, and writes the figures into BENCHMARKS.md between the bench.sh markers.
#
# Usage: scripts/bench.sh [--full] [--store embedded|mongoeco|both] [--no-write] [--skip-build]
#   default: small sizes, both stores, a few minutes
#   --full:  1k/5k/15k sockets held 60 s, relay at 10k sockets, 10k-device discovery, longer phases
# Environment: BENCH_HTTP_PORT (39300), BENCH_WS_PORT (39380), BENCH_OUT (BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."

size=small
stores="embedded mongoeco"
write=1
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --full) size=full ;;
        --store) shift; case "$1" in both) stores="embedded mongoeco" ;; *) stores="$1" ;; esac ;;
        --no-write) write=0 ;;
        --skip-build) build=0 ;;
        -h|--help) sed -n 2,9p "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

http_port="${BENCH_HTTP_PORT:-39300}"
ws_port="${BENCH_WS_PORT:-39380}"
out="${BENCH_OUT:-BENCHMARKS.md}"
secret="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
work="$(mktemp -d /tmp/registry-bench.XXXXXX)"
command_line="scripts/bench.sh $*"
[ "$size" = full ] && command_line="scripts/bench.sh --full" || command_line="scripts/bench.sh"
[ "$stores" = "embedded" ] && command_line="$command_line --store embedded"
[ "$stores" = "mongoeco" ] && command_line="$command_line --store mongoeco"

# One process may hold at most 20000 open files here; the server needs one per socket.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ "$build" = 1 ]; then
    swift build -c release --product registry >&2
    swift build -c release --product loadgen >&2
fi
bin="$(swift build -c release --show-bin-path)"
loadgen="$bin/loadgen"

server_pid=""
mongo_pid=""
holder_pid=""
mongo_uri=""
cleanup() {
    [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
    stop_mongoeco
    rm -rf "$work"
}
trap cleanup EXIT

start_mongoeco() {  # sets mongo_uri, mongo_pid, holder_pid
    if [ ! -x .venv/bin/python ]; then
        echo "bench.sh: .venv missing; run scripts/setup-python.sh (mongoeco) first" >&2
        return 1
    fi
    # mongoeco_server.py stops when its stdin reaches end-of-file: a sleeping writer keeps the pipe open.
    rm -f "$work/mongo-in"
    mkfifo "$work/mongo-in"
    sleep 100000 > "$work/mongo-in" &
    holder_pid=$!
    .venv/bin/python scripts/mongoeco_server.py 0 < "$work/mongo-in" > "$work/mongo.out" 2>&1 &
    mongo_pid=$!
    for _ in $(seq 1 100); do
        grep -q '^port=' "$work/mongo.out" 2>/dev/null && break
        sleep 0.1
    done
    local port
    port="$(sed -n 's/^port=//p' "$work/mongo.out")"
    [ -n "$port" ] || { echo "bench.sh: mongoeco did not start" >&2; cat "$work/mongo.out" >&2; return 1; }
    mongo_uri="mongodb://127.0.0.1:$port/?directConnection=true"
}

stop_mongoeco() {
    [ -n "$mongo_pid" ] && { kill "$mongo_pid" 2>/dev/null || true; wait "$mongo_pid" 2>/dev/null || true; }
    [ -n "$holder_pid" ] && { kill "$holder_pid" 2>/dev/null || true; wait "$holder_pid" 2>/dev/null || true; }
    mongo_pid=""
    holder_pid=""
}

# The load is many users on a few loopback addresses: a copy of the configuration whose abuse bounds
# (limits.yaml websocket:, sized for the open internet) do not stand in its way.
bench_config() {
    local dir="$work/config"
    mkdir -p "$dir"
    cp routes.yaml jobs.yaml "$dir/"
    sed -e 's/^\(  maxConnections: \).*/\119000/' \
        -e 's/^\(  maxConnectionsPerUser: \).*/\1100000/' \
        -e 's/^\(  maxConnectionsPerIP: \).*/\1100000/' \
        -e 's/^\(  connectsPerMinutePerUser: \).*/\11000000/' \
        -e 's/^\(  connectsPerMinutePerIP: \).*/\11000000/' \
        -e 's/^\(  messagesPerSecondPerUser: \).*/\11000000/' \
        -e 's/^\(  messagesPerSecondPerIP: \).*/\11000000/' \
        -e 's/^\(  bytesPerSecondPerUser: \).*/\11GiB/' \
        -e 's/^\(  bytesPerSecondPerIP: \).*/\11GiB/' \
        -e 's/^\(  maxBufferedBytes: \).*/\11GiB/' \
        limits.yaml > "$dir/limits.yaml"
    echo "$dir"
}

start_server() {  # $1: MONGODB_URI ('' for the embedded engine)
    env PORT="$http_port" SIGNALING_PORT="$ws_port" HOST=127.0.0.1 JWT_SECRET="$secret" MONGODB_URI="$1" \
        MONGODB_DB_NAME="bench_$(date +%s)" \
        RATE_LIMIT_MAX_REQUESTS=1000000000 SIGNALING_MESSAGES_PER_SECOND=100000 SIGNALING_MESSAGE_BURST=100000 \
        SIGNALING_PING_INTERVAL=10s LOG_LEVEL="${BENCH_LOG_LEVEL:-warning}" \
        "$bin/registry" serve --config-dir "$(bench_config)" > "$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 300); do
        if curl -sf "http://127.0.0.1:$http_port/readyz" > /dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "bench.sh: the server did not become ready" >&2
    tail -20 "$work/server.log" >&2
    return 1
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

lg() { "$loadgen" "$@" --host 127.0.0.1 --http-port "$http_port" --ws-port "$ws_port" --secret "$secret" --server-pid "$server_pid"; }

run_store() {  # $1: embedded|mongoeco
    local store="$1" uri="" label
    if [ "$store" = mongoeco ]; then
        start_mongoeco
        uri="$mongo_uri"
        label="MongoStore on **mongoeco** (a single-threaded Python MongoDB stand-in, not MongoDB; these figures measure mongoeco)"
    else
        label="embedded engine (MemoryStore)"
    fi
    local socket_counts relay_args announce_args discover_args hold
    if [ "$size" = full ] && [ "$store" = embedded ]; then
        socket_counts="1000 5000 15000"; hold=60
        relay_args="--pairs 5000 --rate 20000 --duration 20"
        announce_args="--users 2000 --duration 10"
        discover_args="--sizes 100,1000,10000 --duration 10"
    elif [ "$store" = embedded ]; then
        socket_counts="1000"; hold=10
        relay_args="--pairs 500 --rate 5000 --duration 5"
        announce_args="--users 500 --duration 3"
        discover_args="--sizes 100,1000,10000 --duration 3"
    else
        socket_counts="1000"; hold=10
        relay_args="--pairs 250 --rate 300 --duration 5 --drain 30"
        announce_args="--users 500 --duration 3"
        discover_args="--sizes 100,1000 --duration 3"
    fi

    echo "bench.sh: $store: starting" >&2
    echo "### $label"
    echo
    start_server "$uri"
    echo "#### sockets: idle signaling sockets held with pings (server pings every 10 s)"
    echo
    "$loadgen" header --of sockets
    local base=10
    for count in $socket_counts; do
        echo "bench.sh: $store: sockets $count" >&2
        lg sockets --count "$count" --hold "$hold" --source-base "$base"
        base=$((base + 10))
    done
    echo
    echo "#### relay: offer/answer/ICE between socket pairs, ${relay_args}"
    echo
    "$loadgen" header --of relay
    echo "bench.sh: $store: relay" >&2
    # shellcheck disable=SC2086  # the scenario options are words on purpose
    lg relay $relay_args --sources 127.0.0.$((base + 1))
    echo
    echo "#### announce: authenticated announces, one token per user, 8 keep-alive connections × 8 pipelined (${announce_args})"
    echo
    echo "bench.sh: $store: announce" >&2
    # shellcheck disable=SC2086  # the scenario options are words on purpose
    lg announce $announce_args
    echo
    echo "#### discover: \`GET /network/:id/peers\` (8 connections × 8 pipelined, ${discover_args})"
    echo
    echo "bench.sh: $store: discover" >&2
    # shellcheck disable=SC2086  # the scenario options are words on purpose
    lg discover $discover_args
    echo
    if grep -q '"level":"error"' "$work/server.log"; then
        echo "Server errors during the run: $(grep -c '"level":"error"' "$work/server.log") (first: \`$(grep -m1 '"level":"error"' "$work/server.log" | cut -c1-200)\`)"
        echo
    fi
    stop_server
    stop_mongoeco
}

report="$work/report.md"
{
    echo "<!-- bench.sh:begin (generated by scripts/bench.sh; edit the script, not this section) -->"
    echo "## Load: the registry server under the load generator (\`loadgen\`)"
    echo
    echo "Command: \`$command_line\` (size: $size), $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`."
    echo
    echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r), $(swift --version 2>/dev/null | head -1 | sed 's/ (.*//'), release build; \`ulimit -n\` $(ulimit -n); load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Server and generator share these cores (the generator runs on 1 event-loop thread per process). Server settings: \`LOG_LEVEL=${BENCH_LOG_LEVEL:-warning}\`, rate limits raised (\`RATE_LIMIT_MAX_REQUESTS\`, \`SIGNALING_MESSAGES_PER_SECOND\`), \`SIGNALING_PING_INTERVAL=10s\`, everything else as shipped."
    echo
    for store in $stores; do
        run_store "$store"
    done
    echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "<!-- bench.sh:end -->"
} > "$report"
cat "$report"

if [ "$write" = 1 ]; then
    python3 - "$out" "$report" "$size" <<'PY'
import re, sys
path, report_path, size = sys.argv[1], sys.argv[2], sys.argv[3]
report = open(report_path).read().strip() + "\n"
begin, end = "<!-- bench.sh:begin", "<!-- bench.sh:end -->"
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmarks\n"
# The small and the full run each keep their own section.
tag = "full" if size == "full" else "small"
report = report.replace(begin, f"{begin} size={tag}", 1)
pattern = re.compile(re.escape(f"{begin} size={tag}") + r".*?" + re.escape(end) + r"\n?", re.S)
if pattern.search(text):
    text = pattern.sub(lambda m: report, text)
else:
    marker = "<!-- bench.sh:results -->"
    if marker in text:
        text = text.replace(marker, marker + "\n\n" + report, 1)
    else:
        text = text.rstrip() + "\n\n" + report
open(path, "w").write(text)
print(f"bench.sh: wrote the {tag} section of {path}", file=sys.stderr)
PY
fi
