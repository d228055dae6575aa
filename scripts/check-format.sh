#!/usr/bin/env bash
# Checks that the Swift sources follow .swift-format (Hummingbird's style: 4 spaces, lines up to 150, ordered
# imports, one argument per line when a call breaks): swift-format lint --strict, from the Swift toolchain.
# To format before committing: swift-format format -i -r Sources Tests Benchmarks Package.swift
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin"

if swift-format lint --strict -r Sources Tests Benchmarks Package.swift; then
    echo "PASS: swift-format lint"
else
    echo "FAIL: swift-format lint; format with: swift-format format -i -r Sources Tests Benchmarks Package.swift"
    exit 1
fi
