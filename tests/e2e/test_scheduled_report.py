"""The sync worker writes the week-just-ended report once at the configured slot, not again after a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time as clock
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services import demo
from services.reports import schedule
from services.store.db import make_engine, make_session_factory
from services.store.models import utcnow
from services.workspace.users import resolve_actor

ROOT = Path(__file__).resolve().parents[2]


def _watch(db: str) -> subprocess.Popen[str]:
    env = {**os.environ, "FRONT_COUNTER_DB": db}
    return subprocess.Popen(
        [sys.executable, "-m", "console", "sync", "--watch"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.qt  # the worker draws the PDF with Qt on its offscreen platform
def test_worker_writes_the_weekly_report_once(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    admin = resolve_actor(factory, "ruth")
    demo.load(factory)
    today = utcnow().astimezone(ZoneInfo("Europe/London")).weekday()
    folder = tmp_path / "reports"
    schedule.set_schedule(
        factory, admin, schedule.Schedule(str(folder), today, time(0, 0), ("pdf", "csv"))
    )
    proc = _watch(sqlite_url)
    deadline = clock.monotonic() + 60
    while not list(folder.glob("*-weekly-report.pdf")):
        assert clock.monotonic() < deadline and proc.poll() is None, (
            proc.stderr.read() if proc.stderr else ""
        )
        clock.sleep(0.2)
    clock.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    out, _err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "weekly report written" in out
    [pdf] = list(folder.glob("*-weekly-report.pdf"))
    stamp = pdf.stat().st_mtime_ns
    again = _watch(sqlite_url)
    clock.sleep(3)
    again.send_signal(signal.SIGTERM)
    out, _err = again.communicate(timeout=30)
    assert again.returncode == 0 and "weekly report written" not in out
    assert pdf.stat().st_mtime_ns == stamp
    engine.dispose()
