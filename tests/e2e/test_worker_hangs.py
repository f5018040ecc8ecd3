"""No server can hang the worker: SIGTERM and a vanished desktop end it within seconds (issue 19)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.store.db import make_engine, make_session_factory
from services.workspace.users import resolve_actor
from tests.builders import feed_channel
from tests.fakes.feeds import FakeFeeds

ROOT = Path(__file__).resolve().parents[2]
# What the desktop and a service manager allow between SIGTERM and the process being gone.
EXIT_DEADLINE = 5.0


def _feed_channel(db_url: str, url: str) -> None:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    feed_channel(factory, resolve_actor(factory, "ruth"), url, "Appeals")
    engine.dispose()


def _wait_for_request(feeds: FakeFeeds, proc: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + 60
    while not feeds.server.requests:
        assert time.monotonic() < deadline, "the worker never reached the server"
        assert proc is None or proc.poll() is None, "the worker ended before reaching the server"
        time.sleep(0.02)


def _ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # exited; only waiting for init to reap it


@pytest.mark.parametrize("fault", ["trickle", "hang", "unavailable"])
def test_sigterm_ends_the_watching_worker_whatever_the_server_does(
    db_url: str, feeds: FakeFeeds, fault: str
) -> None:
    feeds.server.trickle_seconds = 3.0
    feeds.server.hang_seconds = 120.0
    if fault == "unavailable":  # 503 again and again: the worker sits in its retry backoff
        feeds.server.fail("/rss", "status", times=100, status=503)
    else:
        feeds.server.fail("/rss", fault, times=100)
    _feed_channel(db_url, feeds.url("/rss"))
    env = {**os.environ, "FRONT_COUNTER_DB": db_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "sync", "--watch", "--progress"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_request(feeds, proc)
        proc.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - asked
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert took < EXIT_DEADLINE, f"the worker took {took:.1f} s to obey SIGTERM"
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    # The network wait itself gave way: the last-resort exit after STOP_GRACE was not needed.
    assert '"forced": true' not in out
    assert '"reason": "stopped before the end of the run; it resumes next time"' in out


DESKTOP = """
import subprocess, sys, time
from sqlalchemy.engine import make_url
from console.gui import worker_command
worker = subprocess.Popen(worker_command(make_url(sys.argv[1])), stdout=subprocess.DEVNULL)
print(worker.pid, flush=True)
if sys.argv[2] == "stay":
    time.sleep(600)  # killed by the test: the desktop crashing
"""


def _desktop(sqlite_url: str, then: str) -> tuple[subprocess.Popen[str], int]:
    desktop = subprocess.Popen(
        [sys.executable, "-c", DESKTOP, f"sqlite:///{sqlite_url}", then],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert desktop.stdout is not None
    return desktop, int(desktop.stdout.readline())


def _wait_until_ended(pid: int, deadline_s: float) -> float:
    started = time.monotonic()
    while not _ended(pid):
        if time.monotonic() - started > deadline_s:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"the worker {pid} outlived the desktop by more than {deadline_s} s")
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_worker_whose_desktop_died_while_it_started_does_not_poll_on(sqlite_url: str) -> None:
    desktop, worker = _desktop(sqlite_url, "leave")  # the desktop exits right after the spawn
    desktop.wait(timeout=30)
    _wait_until_ended(worker, 30)


def test_a_worker_blocked_on_the_network_ends_soon_after_its_desktop_dies(
    sqlite_url: str, feeds: FakeFeeds
) -> None:
    feeds.server.trickle_seconds = 3.0
    feeds.server.fail("/rss", "trickle", times=100)
    _feed_channel(sqlite_url, feeds.url("/rss"))
    desktop, worker = _desktop(sqlite_url, "stay")
    try:
        _wait_for_request(feeds)
        desktop.kill()
        desktop.wait()
        took = _wait_until_ended(worker, 30)
    finally:
        if not _ended(worker):
            os.kill(worker, signal.SIGKILL)
    assert took < EXIT_DEADLINE, f"the worker outlived its desktop by {took:.1f} s"
