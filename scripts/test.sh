#!/usr/bin/env bash
# Runs every test: installs the system packages, builds, runs the whole Swift suite, then the end-to-end
# suite (Tests/e2e, pytest) against the released `registry` binary.
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

echo "== release build (the registry binary the end-to-end suite runs)"
swift build -c release --product registry --quiet

echo "== end-to-end tests"
# Any failure fails the script, and so does pytest's exit status 5 (no test collected).
.venv/bin/python -m pytest Tests/e2e -q
