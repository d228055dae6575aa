# Sourced by scripts/bench.sh and scripts/bench-ab.sh: starts and stops the registry server (and mongoeco) for the
# load generator. The caller sets: work (a temporary folder), http_port, ws_port, secret, registry_bin, loadgen.
# shellcheck shell=bash
# It sets server_pid (server_b_pid with start_second_server), and mongo_uri and mongo_pid for the caller when
# start_mongoeco runs.
# shellcheck disable=SC2154,SC2034  # the variables above are the caller's; mongo_uri is read by the caller

server_pid=""
server_b_pid=""
launched_pid=""
# One database per run, shared by the instances of that run (on MongoDB they form one cluster).
bench_db="bench_$(date +%s)_$$"
mongo_pid=""
holder_pid=""
mongo_uri=""
cleanup() {
    [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
    [ -n "$server_b_pid" ] && { kill "$server_b_pid" 2>/dev/null || true; wait "$server_b_pid" 2>/dev/null || true; }
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
# The YAML files come from $config_root (default: this package), so an older build can run with its own files.
bench_config() {
    local dir="$work/config" root="${config_root:-.}"
    mkdir -p "$dir"
    cp "$root/routes.yaml" "$root/jobs.yaml" "$dir/"
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
        "$root/limits.yaml" > "$dir/limits.yaml"
    echo "$dir"
}

# Starts one `registry serve` and waits until it is ready; sets launched_pid.
# $1: MONGODB_URI ('' for the embedded engine), $2: HTTP port, $3: signaling port, $4: log file name in $work.
launch_server() {
    env PORT="$2" SIGNALING_PORT="$3" HOST=127.0.0.1 JWT_SECRET="$secret" MONGODB_URI="$1" \
        MONGODB_DB_NAME="$bench_db" \
        RATE_LIMIT_MAX_REQUESTS=1000000000 SIGNALING_MESSAGES_PER_SECOND=100000 SIGNALING_MESSAGE_BURST=100000 \
        SIGNALING_PING_INTERVAL=10s LOG_LEVEL="${BENCH_LOG_LEVEL:-warning}" \
        "$registry_bin" serve --config-dir "$(bench_config)" > "$work/$4" 2>&1 &
    launched_pid=$!
    for _ in $(seq 1 300); do
        if curl -sf "http://127.0.0.1:$2/readyz" > /dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "bench.sh: the server on port $2 did not become ready" >&2
    tail -20 "$work/$4" >&2
    return 1
}

start_server() {  # $1: MONGODB_URI ('' for the embedded engine); on $http_port and $ws_port, logs to $work/server.log
    local status=0
    launch_server "$1" "$http_port" "$ws_port" server.log || status=$?
    server_pid=$launched_pid  # also when it failed: cleanup stops it
    return "$status"
}

# A second instance on the same store (it shares $bench_db), for the cross-instance benchmarks.
start_second_server() {  # $1: MONGODB_URI, $2: HTTP port, $3: signaling port; logs to $work/server-b.log
    local status=0
    launch_server "$1" "$2" "$3" server-b.log || status=$?
    server_b_pid=$launched_pid
    return "$status"
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    if [ -n "$server_b_pid" ]; then
        kill "$server_b_pid" 2>/dev/null || true
        wait "$server_b_pid" 2>/dev/null || true
        server_b_pid=""
    fi
}

lg() { "$loadgen" "$@" --host 127.0.0.1 --http-port "$http_port" --ws-port "$ws_port" --secret "$secret" --server-pid "$server_pid"; }

