"""Single-user mode: the desktop runs the worker as a child process and shows its progress and errors."""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from services.channels.protocol import Registry
from services.store.db import make_engine, make_session_factory
from services.workspace.users import resolve_actor
from tests.builders import wordpress_channel
from tests.fakes.wordpress import FakeWordPress
from tests.ui.conftest import save_shot
from ui.app import build_window
from ui.dialogs.welcome_dialog import WelcomeDialog


def test_worker_child_process_fills_the_inbox_and_reports_channel_errors(
    qtbot: QtBot, sqlite_url: str, wp: FakeWordPress, tmp_path: Path, registry: Registry
) -> None:
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    admin = resolve_actor(factory, "ruth")
    wordpress_channel(factory, admin, wp)
    for n in range(5):
        wp.add_comment(812, f"question {n}")
    command = [sys.executable, "-m", "console", "--db", sqlite_url, "sync", "--watch", "--progress"]
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = build_window(
        factory,
        admin,
        ZoneInfo("Europe/London"),
        settings,
        worker_command=command,
        registry=registry,
    )
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.start()
    for welcome in window.findChildren(WelcomeDialog):
        welcome.close()  # the first day's hello is not what this test is about
    window.activateWindow()
    window.list.setFocus()
    try:
        qtbot.waitUntil(lambda: window.inbox.model.rowCount() == 5, timeout=30_000)
        qtbot.waitUntil(lambda: window.sync_label.text() == "Force blog synced", timeout=10_000)
        wp.password = "changed-on-the-blog"
        wp.add_comment(812, "one more")
        qtbot.keyClick(window.list, Qt.Key.Key_F9)
        qtbot.waitUntil(lambda: "credentials rejected" in window.sync_label.text(), timeout=30_000)
        assert window.inbox.model.rowCount() == 5  # nothing half-written
        qtbot.waitUntil(lambda: "⚠" in _sidebar_text(window), timeout=10_000)
        save_shot(window, "sync-error-status.png")
    finally:
        window.close()
        engine.dispose()
    assert (
        window.sync is not None
        and window.sync.process.state() == window.sync.process.ProcessState.NotRunning
    )


def _sidebar_text(window: object) -> str:
    sidebar = window.sidebar  # type: ignore[attr-defined]
    out = []
    for i in range(sidebar.topLevelItemCount()):
        top = sidebar.topLevelItem(i)
        out.extend(top.child(j).text(0) for j in range(top.childCount()))
    return " ".join(out)
