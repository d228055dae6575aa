#!/usr/bin/env bash
# Runs the MongoStore soak (one long-lived store, every operation and error path) under AddressSanitizer,
# whose LeakSanitizer reports every allocation still unreachable at exit: libmongoc's bson_t, cursors,
# clients and our own buffers. Like scripts/tsan-document-store.sh it builds a minimal scratch package
# (CMongoc, DocumentStore, MongoStore and their tests only), so only those are instrumented.
# Usage: scripts/lsan-mongo-store.sh [SECONDS]   (default 60; the issue's soak is 600)
# Against a real server: MONGODB_URI=mongodb://… scripts/lsan-mongo-store.sh 600
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
[ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin"
work="$root/.build-lsan"
mkdir -p "$work/Sources" "$work/Tests/Support"
for target in CMongoc DocumentStore MongoStore; do ln -sfn "$root/Sources/$target" "$work/Sources/$target"; done
ln -sfn "$root/Tests/MongoStoreTests" "$work/Tests/MongoStoreTests"
ln -sfn "$root/Tests/Support/MongoTestSupport" "$work/Tests/Support/MongoTestSupport"
cat > "$work/Package.swift" <<'SWIFT'
// swift-tools-version:6.2
import PackageDescription
let settings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
let package = Package(
    name: "lsan-mongo-store",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "CMongoc", pkgConfig: "libmongoc-1.0"),
        .target(name: "DocumentStore", swiftSettings: settings),
        .target(
            name: "MongoStore",
            dependencies: ["CMongoc", "DocumentStore", .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: settings
        ),
        .target(
            name: "MongoTestSupport", dependencies: ["MongoStore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support/MongoTestSupport", swiftSettings: settings
        ),
        .testTarget(name: "MongoStoreTests", dependencies: ["DocumentStore", "MongoStore", "MongoTestSupport"], swiftSettings: settings),
    ]
)
SWIFT

server_pid=""
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
if [ -z "${MONGODB_URI:-}" ]; then
    # The wire server in the background; its first line is `port=N`.
    fifo="$work/mongoeco.out"
    rm -f "$fifo"
    sleep infinity | "$root/.venv/bin/python" "$root/scripts/mongoeco_server.py" 0 > "$fifo" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do grep -q '^port=' "$fifo" 2>/dev/null && break; sleep 0.1; done
    port="$(sed -n 's/^port=//p' "$fifo" | head -1)"
    [ -n "$port" ] || { echo "mongoeco did not start: $(cat "$fifo")" >&2; exit 1; }
    export MONGODB_URI="mongodb://127.0.0.1:$port/?directConnection=true"
fi

cd "$work"
swift build --build-tests --sanitize=address --quiet
# LeakSanitizer runs at exit; detect_leaks is on by default with ASan on Linux. XCTest's runner (which
# swift test starts before Swift Testing's) keeps two objects to the end (144 bytes, its own suite run);
# they are suppressed so only leaks of the code under test count.
printf 'leak:libXCTest.so\n' > "$work/lsan.supp"
ASAN_OPTIONS="detect_leaks=1:halt_on_error=1" LSAN_OPTIONS="suppressions=$work/lsan.supp:print_suppressions=1" MONGOSTORE_SOAK_SECONDS="$seconds" \
    swift test --skip-build --sanitize=address --filter soakOneLongLivedStore 2>&1 | tee "$work/lsan.log" \
    | grep -E "Sanitizer|Suppressions|leak:|soak|Test run with|passed after|failed after" || true
if grep -qE "ERROR: (LeakSanitizer|AddressSanitizer)" "$work/lsan.log"; then
    echo "the sanitizer reported a problem; see $work/lsan.log" >&2
    exit 1
fi
grep -qE "Test run with 1 test .*passed" "$work/lsan.log"
echo "no leaks: LeakSanitizer found nothing after a ${seconds}s soak on one store"
