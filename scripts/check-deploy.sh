#!/usr/bin/env bash
# Checks the deployment files without a Docker engine: docker-compose.yml validates (Debian's docker-compose,
# offline), and every shell script of the repository passes shellcheck.
# Usage: scripts/check-deploy.sh      (from anywhere; installs docker-compose and shellcheck when missing)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(docker-compose shellcheck)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

failures=0

# The file requires JWT_SECRET (${JWT_SECRET:?…}): validate with one set, and check that it is required.
if JWT_SECRET=compose-config-check docker-compose -f docker-compose.yml config --quiet; then
    echo "PASS: docker-compose.yml validates (docker-compose config)"
else
    echo "FAIL: docker-compose.yml does not validate"
    failures=$((failures + 1))
fi
if env -u JWT_SECRET docker-compose -f docker-compose.yml config --quiet >/dev/null 2>&1; then
    echo "FAIL: docker-compose.yml validates without JWT_SECRET (it must be required)"
    failures=$((failures + 1))
else
    echo "PASS: docker-compose.yml refuses to start without JWT_SECRET"
fi

scripts=(.ci/run scripts/*.sh)
if shellcheck --external-sources "${scripts[@]}"; then
    echo "PASS: shellcheck ${scripts[*]}"
else
    echo "FAIL: shellcheck"
    failures=$((failures + 1))
fi

[ "$failures" -eq 0 ]
