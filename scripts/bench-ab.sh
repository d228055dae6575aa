#!/usr/bin/env bash
# A/B load benchmark of two registry builds in one run: the announce and discover scenarios of `loadgen` against
# the embedded engine, alternating the builds (before, after, before, after, …) so that both see the same machine
# load, then the after ÷ before ratios of throughput and of server CPU per request.
#
# Usage: scripts/bench-ab.sh --before BIN --after BIN [--before-config DIR] [--rounds N] [--duration S] [--sizes LIST]
#   defaults: 2 rounds, 3 s phases, discovery of 100,1000,10000-device networks; --before-config: the directory
#   with the before build's routes.yaml, jobs.yaml and limits.yaml (its checkout), when they differ from these
# Build the "before" binary from the older commit (git worktree, swift build -c release --product registry) and
# loadgen once here (swift build -c release --product loadgen). Environment: BENCH_HTTP_PORT, BENCH_WS_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

before="" after="" before_config="." rounds=2 duration=3 sizes="100,1000,10000"
while [ $# -gt 0 ]; do
    case "$1" in
        --before) shift; before="$1" ;;
        --after) shift; after="$1" ;;
        --before-config) shift; before_config="$1" ;;
        --rounds) shift; rounds="$1" ;;
        --duration) shift; duration="$1" ;;
        --sizes) shift; sizes="$1" ;;
        -h|--help) sed -n 2,11p "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
if [ ! -x "$before" ] || [ ! -x "$after" ]; then
    echo "bench-ab.sh: --before and --after must name registry binaries" >&2
    exit 2
fi

http_port="${BENCH_HTTP_PORT:-39300}"
ws_port="${BENCH_WS_PORT:-39380}"
secret="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
work="$(mktemp -d /tmp/registry-bench-ab.XXXXXX)"
loadgen="$(swift build -c release --show-bin-path)/loadgen"
[ -x "$loadgen" ] || { echo "bench-ab.sh: build loadgen first: swift build -c release --product loadgen" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
registry_bin=""
# shellcheck source=scripts/bench-server.sh
. scripts/bench-server.sh

echo "A/B: \`scripts/bench-ab.sh --rounds $rounds --duration $duration --sizes $sizes\`, $(date -u '+%Y-%m-%d %H:%M UTC'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
for round in $(seq 1 "$rounds"); do
    for build in before after; do
        if [ "$build" = before ]; then registry_bin="$before" config_root="$before_config"; else registry_bin="$after" config_root="."; fi
        echo "bench-ab.sh: round $round, $build" >&2
        start_server ""
        {
            echo "#### round $round, $build ($registry_bin)"
            echo
            lg announce --users 500 --duration "$duration"
            echo
            lg discover --sizes "$sizes" --duration "$duration"
            echo
        } | tee "$work/$build-$round.md"
        stop_server
    done
done
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
echo

python3 - "$work" "$rounds" <<'PY'
import glob, os, re, sys
work, rounds = sys.argv[1], int(sys.argv[2])

def rows(path):
    """(scenario key, req/s, server CPU µs per request) for each table row of one loadgen report."""
    found = []
    for line in open(path):
        cells = [c.strip().strip("*") for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 5 or set(cells[0]) <= set("-:"):
            continue
        if cells[0].startswith("`"):  # announce: phase, responses, req/s, …, server CPU µs/req last
            try: found.append((cells[0], float(cells[2]), float(cells[-1])))
            except ValueError: pass
        elif re.fullmatch(r"[0-9]+", cells[0]):  # discover: devices, peers, bytes, req/s, …, µs/req 8th; 304s 9th, 12th
            try: found.append((f"GET /peers, {cells[0]} devices (200)", float(cells[3]), float(cells[7])))
            except ValueError: pass
            try: found.append((f"GET /peers, {cells[0]} devices (304)", float(cells[8].split()[0]), float(cells[11])))
            except (ValueError, IndexError): pass
    return found

means = {}
for build in ("before", "after"):
    sums = {}
    for round in range(1, rounds + 1):
        for key, rate, cpu in rows(os.path.join(work, f"{build}-{round}.md")):
            total = sums.setdefault(key, [0.0, 0.0, 0])
            total[0] += rate; total[1] += cpu; total[2] += 1
    means[build] = {k: (r / n, c / n) for k, (r, c, n) in sums.items()}
print("| measurement (mean of the rounds) | before req/s | after req/s | **after ÷ before** | before µs/req | after µs/req | **CPU after ÷ before** |")
print("|---|---:|---:|---:|---:|---:|---:|")
for key, (rate, cpu) in means["before"].items():
    if key not in means["after"]:
        continue
    arate, acpu = means["after"][key]
    print(f"| {key} | {rate:.0f} | {arate:.0f} | **{arate / max(rate, 1e-9):.2f}×** | {cpu:.1f} | {acpu:.1f} | **{acpu / max(cpu, 1e-9):.2f}** |")
PY
