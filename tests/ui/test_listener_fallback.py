"""PostgreSQL: when the desktop's LISTEN connection is killed it polls every second, listens
again by itself, catches up, and slows the timer down once more (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, text

from services import demo
from services.channels.protocol import Registry
from services.store.db import SessionFactory, make_engine, make_session_factory
from services.workspace.users import find_user, resolve_actor
from tests.conftest import PG_ADMIN_URL, _truncate_pg
from tests.ui.conftest import settle


@pytest.fixture
def pg_desk(pg_database: str) -> Iterator[SessionFactory]:
    engine = make_engine(pg_database)
    _truncate_pg(engine)
    factory = make_session_factory(engine)
    resolve_actor(factory, "r.lindqvist")
    demo.load(factory)
    yield factory
    engine.dispose()


@pytest.mark.qt
def test_a_killed_listener_falls_back_to_polling_and_comes_back(
    qtbot: QtBot, pg_desk: SessionFactory, tmp_path: Path, registry: Registry
) -> None:
    from PySide6.QtCore import QSettings

    from ui.app import build_window
    from ui.change_poller import LISTENING_POLL_MS, POLL_MS

    settings = QSettings(str(tmp_path / "d.hughes.ini"), QSettings.Format.IniFormat)
    w = build_window(
        pg_desk,
        find_user(pg_desk, "d.hughes"),
        ZoneInfo("Europe/London"),
        settings,
        registry=registry,
    )
    qtbot.addWidget(w)
    w.show()
    w.start()
    settle(qtbot, w)
    poller = w.poller
    assert poller.listener is not None
    qtbot.waitUntil(lambda: poller.timer.interval() == LISTENING_POLL_MS, timeout=15_000)
    pid = poller.listener.backend_pid
    assert pid is not None
    intervals: list[int] = []
    poller._listener_lost.connect(lambda _why: intervals.append(poller.timer.interval()))
    with qtbot.waitSignals([poller._listener_lost, poller._listener_regained], timeout=30_000):
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        admin.dispose()
    assert intervals == [POLL_MS]  # polling every second while the listener was gone
    assert poller.timer.interval() == LISTENING_POLL_MS
    assert poller.listener.backend_pid not in (None, pid)
    w.close()
    settle(qtbot, w)
