#!/usr/bin/env bash
# Installs what building and running the registry needs on Debian/Ubuntu (as root, or with sudo):
# the C libraries of the design card. The Swift toolchain (6.2 or later) must already be installed.
# With --test, also what the tests need besides: nginx, the reverse proxy of the end-to-end proxy scenario, and
# chromium with chromium-driver, the headless browser of the end-to-end browser test (Tests/e2e/test_browser.py), and
# coturn, the TURN server the end-to-end ICE test starts on loopback (Tests/e2e/test_turn.py; its daemon is not started).
set -euo pipefail

packages=(libmongoc-dev libbson-dev libyaml-dev libssl-dev pkg-config)
if [ "${1:-}" = "--test" ]; then packages+=(nginx chromium chromium-driver coturn); fi
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null 2>&1; then
    for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
        [ -x "$candidate/swift" ] && { echo "note: add $candidate to PATH"; exit 0; }
    done
    echo "error: no Swift toolchain on PATH; install Swift 6.2 or later (https://www.swift.org/install/linux/)" >&2
    exit 1
fi
