#!/usr/bin/env bash
# Runs every test: installs the system packages, builds, and runs the whole suite.
# Usage: scripts/test.sh            (from the package root, as root or with sudo rights)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin"

scripts/install-deps.sh
scripts/setup-python.sh

echo "== build"
swift build --build-tests --quiet

echo "== swift test"
swift test --skip-build
