"""The published contract documents, as the released binary prints them (`registry openapi`, `registry asyncapi`)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from conftest import BINARY, ROOT


def printed_document(command: str, config_dir: Path = ROOT, env: dict[str, str] | None = None) -> dict[str, Any]:
    """`registry <command> --config-dir DIR`: stdout parsed as JSON (warnings go to stderr)."""
    out = subprocess.run([str(BINARY), command, "--config-dir", str(config_dir)], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True, env={"PATH": os.environ.get("PATH", ""), **(env or {})})
    return json.loads(out.stdout)
