"""The desktop's start-up imports no network library nor connector: they load on first use.

httpx, httpcore, stamina, imapclient, feedparser and keyring at module level cost about
300 ms of a 1 s start-up; the seven connector modules (with imaplib, smtplib and their
parsers) another 35-40 ms, `regex` 9 ms, and SQLAlchemy's PostgreSQL dialect 33 ms on
SQLite. Building the registry and asking it what every kind allows loads none of them.
A fresh interpreter is needed: this test process has them loaded already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = (
    "httpx",
    "httpcore",
    "stamina",
    "imapclient",
    "feedparser",
    "keyring",
    "imaplib",
    "smtplib",
    "regex",
    "sqlalchemy.dialects.postgresql",
    "services.channels.wordpress",
    "services.channels.feed",
    "services.channels.email",
    "services.channels.mastodon",
    "services.channels.bluesky",
    "services.channels.facebook",
    "services.channels.xcom",
)
STARTUP = (
    "console.context",
    "services.inbox.read_marks",
    "services.desk.out_of_hours",
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
def note(by):
    for m in heavy:
        if m in sys.modules and m not in found:
            found[m] = by
for name in startup:
    importlib.import_module(name)
    note(name)
registry = importlib.import_module("services.channels.registry").build_registry()
for kind in registry.kinds():
    registry.look(kind), registry.can_reply(kind), registry.moderation_actions(kind)
    registry.display_name(kind), registry.character_limit(kind)
note("the registry answering for every kind")
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
