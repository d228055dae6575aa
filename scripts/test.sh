#!/usr/bin/env bash
# Runs every test: installs the system packages, builds, runs the whole Swift suite, then the end-to-end
# suite (Tests/e2e, pytest) against the released `registry` binary, then checks the deployment files and
# runs that binary in the container image (podman; see README, "Container smoke test").
# Usage: scripts/test.sh            (from the package root, as root or with sudo rights)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin"

scripts/install-deps.sh --test
scripts/setup-python.sh

echo "== format"
scripts/check-format.sh

echo "== build"
# Every module a target imports must be declared in Package.swift for that target: an undeclared import fails here.
swift build --build-tests --quiet --explicit-target-dependency-import-check=error

echo "== swift test"
# In two runs: the in-process suites, then the process-level ones (IntegrationTests start `registry serve`
# processes), so the two kinds do not compete for the two cores of the CI machine at once.
# The README walkthrough test compiles an edited copy of the package (about 30 s of both cores): it runs on its own,
# so it does not starve the process tests' timeouts.
swift test --skip-build --skip IntegrationTests
swift test --skip-build --filter IntegrationTests --skip ReadmeWalkthroughTests
swift test --skip-build --filter ReadmeWalkthroughTests

echo "== release build (the registry binary the end-to-end suite runs and the container image ships)"
# --static-swift-stdlib, as the Dockerfile builds it: the image has no Swift runtime. The flag is part of every
# compile command, so building the same binary twice, with and without it, would compile everything twice.
swift build -c release --product registry --static-swift-stdlib --quiet

echo "== end-to-end tests"
# Any failure fails the script, and so does pytest's exit status 5 (no test collected).
.venv/bin/python -m pytest Tests/e2e -q

echo "== deployment files: docker-compose config, shellcheck"
scripts/check-deploy.sh

echo "== container smoke test"
scripts/smoke-container.sh
