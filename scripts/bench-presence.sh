#!/usr/bin/env bash
# The presence push load benchmark (issue 24): the release `registry` on the embedded engine, 1000 subscribers in one
# network while 100 new devices a second announce into it, next to the same clients polling GET peers. Prints the
# figures (BENCHMARKS.md, "Presence push", holds a run's).
#
# Usage: scripts/bench-presence.sh [--skip-build] [loadgen presence options: --subscribers 1000 --rate 100 --duration 20
#        --poll-every 5]
# Environment: BENCH_HTTP_PORT (39300), BENCH_WS_PORT (39380), PRESENCE_DIFF_INTERVAL (1s; loadgen is told the same)
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
if [ "${1:-}" = --skip-build ]; then build=0; shift; fi
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
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), diffInterval $interval" >&2
start_server ""
lg presence --diff-interval "$seconds" "$@"
stop_server
