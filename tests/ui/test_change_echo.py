"""A desktop applies its own changes once; others' still arrive; a vanished database stops it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

import services.inbox.sidebar as sidebar_module
from services.inbox import triage
from services.store.db import SessionFactory, make_session_factory
from services.store.models import Status
from services.workspace import change_feed
from tests.ui.conftest import settle
from ui.main_window import MainWindow


@pytest.fixture
def sidebar_loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the sidebar's reloads (its ten count queries each time)."""
    calls: list[int] = []
    real = sidebar_module.load

    def counting(factory: SessionFactory, user_id: int | None, **kwargs: Any) -> object:
        calls.append(user_id or 0)
        return real(factory, user_id, **kwargs)

    monkeypatch.setattr(sidebar_module, "load", counting)
    yield calls


def caught_up(window: MainWindow) -> bool:
    """The poller has read every change row, and what it read has been applied."""
    f = window._ctx.factory
    return window.poller._last_id == change_feed.latest_id(f) and window._ctx.jobs.running == 0


def test_a_local_action_reloads_once_and_another_process_still_shows(
    qtbot: QtBot, make_window: Callable[..., MainWindow], sidebar_loads: list[int]
) -> None:
    w = make_window("d.hughes", live=True)
    qtbot.waitUntil(lambda: caught_up(w), timeout=5000)
    first = w.inbox.model.ids[0]
    # Read the items that take the cursor afterwards first: opening an unread item is a change
    # of its own (the unread counts move), which this test does not count.
    for item_id in reversed(w.inbox.model.ids[:3]):
        w.inbox.select_item(item_id)
        settle(qtbot, w)
    qtbot.waitUntil(lambda: caught_up(w), timeout=5000)
    sidebar_loads.clear()
    polls_before = w.poller._last_id

    with qtbot.waitSignal(w.triage.changes_applied, timeout=5000):
        w.triage.set_status(Status.DONE)
    qtbot.waitUntil(
        lambda: caught_up(w) and (w.poller._last_id or 0) > (polls_before or 0), timeout=5000
    )
    settle(qtbot, w)
    assert first not in w.inbox.model.ids
    assert len(sidebar_loads) == 1  # the echo a second later no longer reloads it all again

    # Another desktop (its own session factory, as in its own process) changes something.
    other = make_session_factory(w._ctx.factory.kw["bind"])
    second = w.inbox.model.ids[0]
    triage.set_status(other, w._ctx.actor, [second], Status.DONE)
    qtbot.waitUntil(lambda: second not in w.inbox.model.ids, timeout=3000)
    settle(qtbot, w)
    assert len(sidebar_loads) == 2


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_database_file_deleted_or_replaced_under_the_desktop_stops_it(
    qtbot: QtBot, make_window: Callable[..., MainWindow], tmp_path: Path, how: str
) -> None:
    w = make_window("d.hughes", live=True)
    qtbot.waitUntil(lambda: caught_up(w), timeout=5000)
    path = Path(str(w._ctx.factory.kw["bind"].url.database))
    if how == "deleted":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        backup = tmp_path / "older.db"
        backup.write_bytes(path.read_bytes())
        os.replace(backup, path)
    with qtbot.waitSignal(w.poller.database_lost, timeout=5000) as lost:
        pass
    reason = str(lost.args[0]) if lost.args else ""
    assert str(path) in reason and "deleted or replaced" in reason
    assert not w.poller.timer.isActive()
    box = w.findChild(QMessageBox, "database_lost")
    assert box is not None and box.isVisible()
    assert "start Front Counter again" in box.text()
    box.done(0)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=3000)
