#!/usr/bin/env bash
# Runs the document-store conformance suite on the embedded engine under the thread sanitizer.
# The suite is built in a minimal scratch package (DocumentStore and its tests only, no MongoDB pieces),
# so TSan instruments just the engine and the run takes a couple of minutes rather than a full rebuild.
# Usage: scripts/tsan-document-store.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin"
work="$root/.build-tsan"
mkdir -p "$work/Sources" "$work/Tests"
ln -sfn "$root/Sources/DocumentStore" "$work/Sources/DocumentStore"
ln -sfn "$root/Tests/DocumentStoreTests" "$work/Tests/DocumentStoreTests"
cat > "$work/Package.swift" <<'SWIFT'
// swift-tools-version:6.2
import PackageDescription
let settings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
let package = Package(
    name: "tsan-document-store",
    platforms: [.macOS(.v15)],
    targets: [
        .target(name: "DocumentStore", swiftSettings: settings),
        .testTarget(name: "DocumentStoreTests", dependencies: ["DocumentStore"], swiftSettings: settings),
    ]
)
SWIFT
cd "$work"
TSAN_OPTIONS="halt_on_error=1" swift test --sanitize=thread 2>&1 | tee "$work/tsan.log" | grep -E "ThreadSanitizer|Test run with|passed after|failed after" | grep -vE "^✔ Test [a-zA-Z]" || true
if grep -q "ThreadSanitizer" "$work/tsan.log"; then
    echo "thread sanitizer reported a problem; see $work/tsan.log" >&2
    exit 1
fi
grep -qE "Test run with [0-9]+ tests? .*passed" "$work/tsan.log"
