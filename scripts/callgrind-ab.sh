#!/usr/bin/env bash
# Instruction counts per request of two registry builds, under valgrind's callgrind: repeatable where timings on a
# shared machine are not (another build running moves `bench-ab.sh`'s CPU figures by ±30 %; the instruction count
# of the same requests moves by well under 1 %). One request at a time on one keep-alive connection, so it counts
# the work of a request, not contention. Each build runs on the embedded engine with its own YAML files.
#
# Usage: scripts/callgrind-ab.sh --before BIN --after BIN [--before-config DIR] [--devices N] [--requests N]
#   defaults: 100 devices, 300 requests a phase. Phases: GET /healthz, re-announce, GET /peers (200), GET /peers
#   (304). Needs valgrind (Debian). Debug info is stripped first (valgrind 3.19 cannot read Swift's DWARF 5);
#   symbols stay. Environment: CALLGRIND_PORT (default 39500; +1 for the signaling port).
set -euo pipefail
cd "$(dirname "$0")/.."

before="" after="" before_config="." devices=100 requests=300
while [ $# -gt 0 ]; do
    case "$1" in
        --before) shift; before="$1" ;;
        --after) shift; after="$1" ;;
        --before-config) shift; before_config="$1" ;;
        --devices) shift; devices="$1" ;;
        --requests) shift; requests="$1" ;;
        -h|--help) sed -n 2,10p "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
if [ ! -x "$before" ] || [ ! -x "$after" ]; then
    echo "callgrind-ab.sh: --before and --after must name registry binaries" >&2
    exit 2
fi
command -v valgrind > /dev/null || { echo "callgrind-ab.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }

port="${CALLGRIND_PORT:-39500}"
secret="callgrind-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
work="$(mktemp -d /tmp/registry-callgrind.XXXXXX)"
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
drive() { python3 scripts/callgrind_drive.py "$port" "$secret" "$@" > /dev/null; }
# valgrind names its control pipes after $HOST, which the server's environment also sets: callgrind_control must
# be given the same value.
control() { HOST=127.0.0.1 callgrind_control "$@" "$server_pid" > /dev/null 2>&1; }

measure() {  # $1: before|after, $2: binary, $3: config root
    local name="$1" dir="$work/$1"
    mkdir -p "$dir/config"
    cp "$3/routes.yaml" "$3/jobs.yaml" "$3/limits.yaml" "$dir/config/"
    strip --strip-debug -o "$dir/registry" "$2"
    env PORT="$port" SIGNALING_PORT="$((port + 1))" HOST=127.0.0.1 JWT_SECRET="$secret" RATE_LIMIT_MAX_REQUESTS=1000000000 \
        LOG_LEVEL=warning valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
        "$dir/registry" serve --config-dir "$dir/config" > "$dir/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 600); do
        curl -sf "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break
        sleep 0.2
    done
    curl -sf "http://127.0.0.1:$port/readyz" > /dev/null || { echo "callgrind-ab.sh: $name did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
    drive seed "$devices"
    for phase in healthz announce peers peers304; do
        drive "$phase" 30 "$devices"  # warm-up
        control -z
        drive "$phase" "$requests" "$devices"
        control -d "$phase"
    done
    kill "$server_pid"
    wait "$server_pid" 2> /dev/null || true
    server_pid=""
    for phase in healthz announce peers peers304; do
        local file
        file="$(grep -l "^desc: Trigger: dump $phase\$" "$dir"/cg.out.* | head -1)"
        echo "$name $phase $(sed -n 's/^summary: //p' "$file")"
    done > "$work/$name.counts"
}

measure before "$before" "$before_config"
measure after "$after" .
echo "callgrind: $devices devices, $requests requests a phase, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| phase | before instructions/request | after instructions/request | **after ÷ before** |"
echo "|---|---:|---:|---:|"
paste -d' ' "$work/before.counts" "$work/after.counts" |
    awk -v n="$requests" '{printf "| %s | %.0f | %.0f | **%.3f** |\n", $2, $3 / n, $6 / n, $6 / $3}'
