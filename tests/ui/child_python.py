"""Python code run by a fresh interpreter, for what one test process cannot show: what a
start imports, or reference counts of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def in_a_child(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`code` run with `args` by a new interpreter in the project, offscreen."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
        cwd=ROOT,
        timeout=300,
        check=False,
    )
