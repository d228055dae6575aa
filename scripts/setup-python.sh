#!/usr/bin/env bash
# Creates the Python virtual environment the tests use: <package root>/.venv with mongoeco (an
# in-process MongoDB wire-protocol server) pinned to the version the tests were written against, and the
# end-to-end suite's packages pinned in Tests/e2e/requirements.txt (pytest, aiortc, websockets, httpx, selenium,
# schemathesis, jsonschema).
# Idempotent: does nothing when the venv already has those versions.
# Usage: scripts/setup-python.sh        (from anywhere; PYTHON=/path/to/python3.13 to override the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."

MONGOECO_VERSION="4.11.0"
python="${PYTHON:-/root/.pyenv/versions/3.13.0/bin/python}"
if [ ! -x "$python" ]; then
    python="$(command -v python3.13 || true)"
fi
if [ -z "$python" ] || [ ! -x "$python" ]; then
    echo "error: mongoeco needs Python 3.13; set PYTHON=/path/to/python3.13" >&2
    exit 1
fi

venv=".venv"
e2e_requirements="Tests/e2e/requirements.txt"
e2e_stamp="$venv/.e2e-requirements"

mongoeco_ready() {
    [ -x "$venv/bin/python" ] && "$venv/bin/python" - "$MONGOECO_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
import mongoeco.wire  # noqa: F401  (the wire extra is importable)
sys.exit(0 if version("mongoeco") == sys.argv[1] else 1)
PY
}

# The e2e packages are installed when the stamp holds exactly the requirements file that was installed.
e2e_ready() {
    [ -f "$e2e_stamp" ] && cmp -s "$e2e_stamp" "$e2e_requirements" \
        && "$venv/bin/python" -c "import pytest, aiortc, websockets, httpx, selenium, schemathesis, jsonschema" 2>/dev/null
}

if ! mongoeco_ready; then
    echo "creating python venv $venv with mongoeco $MONGOECO_VERSION ($python)"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "mongoeco[wire]==$MONGOECO_VERSION"
    "$venv/bin/python" -c "import mongoeco.wire"
    rm -f "$e2e_stamp"
fi

if ! e2e_ready; then
    echo "installing the end-to-end suite's packages into $venv ($e2e_requirements)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$e2e_requirements"
    "$venv/bin/python" -c "import pytest, aiortc, websockets, httpx, selenium, schemathesis, jsonschema"
    cp "$e2e_requirements" "$e2e_stamp"
fi
echo "python venv ready: $venv (mongoeco $MONGOECO_VERSION, $e2e_requirements)"
