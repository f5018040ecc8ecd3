"""The desktop's start-up imports no network library: they load when a channel first uses one.

Building the channel registry imports every connector; httpx, httpcore, stamina,
imapclient, feedparser and keyring at module level cost about 300 ms of a 1 s
start-up. A fresh interpreter is needed: this test process has them loaded already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("httpx", "httpcore", "stamina", "imapclient", "feedparser", "keyring")
STARTUP = (
    "services.channels.registry",
    "services.records.payloads",
    "services.channels.sync",
    "services.channels.ingest",
)
ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import importlib, json, sys
heavy, startup = json.loads(sys.argv[1])
found = {}
for name in startup:
    before = {m for m in heavy if m in sys.modules}
    importlib.import_module(name)
    for m in heavy:
        if m in sys.modules and m not in before:
            found[m] = name
print(json.dumps(found))
"""


def test_start_up_modules_import_no_network_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps([HEAVY, STARTUP])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded: dict[str, str] = json.loads(done.stdout)
    offenders = ", ".join(
        f"{lib} (first loaded while importing {by}; run `python -X importtime -c 'import {by}'` "
        f"to see which module imports it)"
        for lib, by in sorted(loaded.items())
    )
    assert not loaded, f"imported at start-up, should load on first use: {offenders}"
