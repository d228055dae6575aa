#!/usr/bin/env bash
# The presence push load benchmark (issue 24): the release `registry`, 1000 subscribers in one network while 100 new
# devices a second announce into it, next to the same clients polling GET peers. Prints the figures (BENCHMARKS.md,
# "Presence push", holds a run of each set-up).
#
# Usage: scripts/bench-presence.sh [--skip-build] [--store embedded|mongoeco] [--instances 1|2]
#        [loadgen presence options: --subscribers 1000 --rate 100 --duration 20 --poll-every 5 --subscribers-on second|both]
#   --store mongoeco  the server on MongoDB through mongoeco (scripts/mongoeco_server.py, a single-threaded Python
#                     stand-in, whose CPU is reported apart); with MONGODB_URI set, on that MongoDB instead
#   --instances 2     two `registry serve` on that MongoDB: the announces go to instance A, the subscribers connect
#                     to instance B (--subscribers-on both: half to each), so their joins cross the cluster bus;
#                     both instances' CPU is measured (needs --store mongoeco)
# Environment: BENCH_HTTP_PORT (39300), BENCH_WS_PORT (39380) (instance B: each + 1), PRESENCE_DIFF_INTERVAL (1s;
#              loadgen is told the same), MONGODB_URI (see --store)
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
store=embedded
instances=1
passed=()
while [ $# -gt 0 ]; do
    case "$1" in
        --skip-build) build=0 ;;
        --store) shift; store="${1:-}" ;;
        --instances) shift; instances="${1:-}" ;;
        -h|--help) sed -n 2,15p "$0"; exit 0 ;;
        *) passed+=("$1") ;;
    esac
    shift
done
case "$store" in embedded|mongoeco) ;; *) echo "bench-presence.sh: --store embedded|mongoeco, not '$store'" >&2; exit 2 ;; esac
case "$instances" in 1|2) ;; *) echo "bench-presence.sh: --instances 1|2, not '$instances'" >&2; exit 2 ;; esac
if [ "$instances" = 2 ] && [ "$store" = embedded ]; then
    echo "bench-presence.sh: --instances 2 needs --store mongoeco (instances share MongoDB, not the embedded engine)" >&2
    exit 2
fi

http_port="${BENCH_HTTP_PORT:-39300}"
ws_port="${BENCH_WS_PORT:-39380}"
secret="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
work="$(mktemp -d /tmp/registry-bench.XXXXXX)"
interval="${PRESENCE_DIFF_INTERVAL:-1s}"
export PRESENCE_DIFF_INTERVAL="$interval"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ "$build" = 1 ]; then
    swift build -c release --product registry >&2
    swift build -c release --product loadgen >&2
fi
bin="$(swift build -c release --show-bin-path)"
loadgen="$bin/loadgen"
registry_bin="$bin/registry"
# shellcheck source=scripts/bench-server.sh
. scripts/bench-server.sh

seconds="$(awk -v d="$interval" 'BEGIN { n = d + 0; if (d ~ /ms$/) n /= 1000; else if (d ~ /m$/) n *= 60; print n }')"
uri=""
store_args=()
if [ "$store" = mongoeco ]; then
    if [ -n "${MONGODB_URI:-}" ]; then
        uri="$MONGODB_URI"
        echo "store: MongoDB at MONGODB_URI (database $bench_db)" >&2
    else
        start_mongoeco
        uri="$mongo_uri"
        store_args=(--store-pid "$mongo_pid" --store-name mongoeco)
        echo "store: mongoeco at $mongo_uri" >&2
    fi
fi
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), diffInterval $interval, store $store, instances $instances" >&2
start_server "$uri"
second_args=()
if [ "$instances" = 2 ]; then
    start_second_server "$uri" "$((http_port + 1))" "$((ws_port + 1))"
    second_args=(--second-http-port "$((http_port + 1))" --second-ws-port "$((ws_port + 1))" --second-server-pid "$server_b_pid")
fi
lg presence --diff-interval "$seconds" "${second_args[@]}" "${store_args[@]}" "${passed[@]}"
# Errors and warnings the instances logged (not the 503s of /readyz while they started).
for log in "$work"/server*.log; do
    for level in error warning; do
        found="$(grep "\"level\":\"$level\"" "$log" | grep -v '"path":"/readyz"' || true)"
        if [ -n "$found" ]; then
            echo "bench-presence.sh: $(echo "$found" | wc -l) ${level}s in $(basename "$log"), first: $(echo "$found" | head -1 | cut -c1-300)" >&2
        fi
    done
done
stop_server
