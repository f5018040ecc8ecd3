"""A newer search cancels the older one while it runs, instead of letting it scan to the end."""

from __future__ import annotations

import threading
import time

from pytestqt.qtbot import QtBot

from ui.jobs import Jobs


def test_a_newer_job_with_the_same_key_stops_the_running_one(qtbot: QtBot) -> None:
    jobs = Jobs()
    started = threading.Event()
    ended_by: list[str] = []
    delivered: list[str] = []

    def long_scan(cancelled: object) -> str:
        assert callable(cancelled)
        started.set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # stands in for a million ids read chunk by chunk
            if cancelled():
                ended_by.append("cancelled")
                return "old"
        ended_by.append("ran to the end")
        return "old"

    jobs.run_cancellable("inbox.list", long_scan, delivered.append)
    assert started.wait(10)
    jobs.run_cancellable("inbox.list", lambda _cancelled: "new", delivered.append)
    qtbot.waitUntil(lambda: delivered == ["new"] and ended_by != [], timeout=10_000)
    assert jobs.wait(10_000)
    assert ended_by == ["cancelled"]
    assert delivered == ["new"]  # the old result never lands after the new one
