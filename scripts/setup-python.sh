#!/usr/bin/env bash
# Creates the Python virtual environment the MongoDB backend tests use: <package root>/.venv with
# mongoeco (an in-process MongoDB wire-protocol server) pinned to the version the tests were written
# against. Idempotent: does nothing when the venv already has that version.
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
if [ -x "$venv/bin/python" ] && "$venv/bin/python" - "$MONGOECO_VERSION" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
import mongoeco.wire  # noqa: F401  (the wire extra is importable)
sys.exit(0 if version("mongoeco") == sys.argv[1] else 1)
PY
    echo "python venv ready: $venv (mongoeco $MONGOECO_VERSION)"
    exit 0
fi

echo "creating python venv $venv with mongoeco $MONGOECO_VERSION ($python)"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "mongoeco[wire]==$MONGOECO_VERSION"
"$venv/bin/python" -c "import mongoeco.wire" 
echo "python venv ready: $venv (mongoeco $MONGOECO_VERSION)"
