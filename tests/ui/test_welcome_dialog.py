"""The first start: the desktop asks who is at the keyboard (as replies are signed), and offers the demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from services import demo
from services.channels.protocol import Registry
from services.store.db import SessionFactory, make_engine, make_session_factory
from services.workspace.users import find_user, resolve_actor

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from ui.dialogs.welcome_dialog import WelcomeDialog
    from ui.main_window import MainWindow

pytestmark = pytest.mark.qt


@pytest.fixture
def first_day(sqlite_url: str) -> Iterator[SessionFactory]:
    """A new workspace whose first user was just made from the OS login ("root")."""
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    resolve_actor(factory, "root")
    yield factory
    engine.dispose()


def _start(
    qtbot: QtBot, factory: SessionFactory, tmp_path: Path, offer_demo: bool, *, registry: Registry
) -> MainWindow:
    from zoneinfo import ZoneInfo

    from PySide6.QtCore import QSettings

    from ui.app import build_window

    settings = QSettings(str(tmp_path / "root.ini"), QSettings.Format.IniFormat)
    window = build_window(
        factory, find_user(factory, "root"), ZoneInfo("Europe/London"), settings, registry=registry
    )
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.start(offer_demo)
    window.poller.timer.stop()
    return window


def _closed(dialog: WelcomeDialog) -> bool:
    """Closed: hidden, or already deleted (the dialog deletes itself on close)."""
    from shiboken6 import isValid

    return not isValid(dialog) or not dialog.isVisible()


def _dialog(qtbot: QtBot, window: MainWindow) -> WelcomeDialog:
    from ui.dialogs.welcome_dialog import WelcomeDialog

    qtbot.waitUntil(lambda: window.findChild(WelcomeDialog) is not None, timeout=5000)
    dialog = window.findChild(WelcomeDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def _finish(window: MainWindow) -> None:
    window.poller.timer.stop()
    window.jobs.wait()


def test_the_first_user_gives_a_name_and_collar_that_sign_their_replies(
    qtbot: QtBot, first_day: SessionFactory, tmp_path: Path, registry: Registry
) -> None:
    from PySide6.QtCore import Qt

    window = _start(qtbot, first_day, tmp_path, offer_demo=False, registry=registry)
    try:
        dialog = _dialog(qtbot, window)
        assert "root" in window.windowTitle()
        assert not dialog.load_demo.isVisible()  # nothing to offer: not an empty first start

        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # nothing typed yet
        assert dialog.error.isVisible() and "Later" in dialog.error.text()
        assert dialog.isVisible()

        qtbot.keyClicks(dialog.display_name, "PC Dana Hughes")
        qtbot.keyClicks(dialog.collar, "4471")
        dialog.grab().save("/tmp/welcome-dialog.png")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _closed(dialog), timeout=10_000)

        me = find_user(first_day, "root")
        assert (me.display_name, me.collar_number) == ("PC Dana Hughes", "4471")
        assert "PC Dana Hughes" in window.windowTitle()
    finally:
        _finish(window)

    again = _start(qtbot, first_day, tmp_path, offer_demo=False, registry=registry)
    try:
        from ui.dialogs.welcome_dialog import WelcomeDialog

        again.jobs.wait_until_idle(15)
        assert again.findChild(WelcomeDialog) is None  # asked once: not at every start
    finally:
        _finish(again)


def test_later_leaves_the_login_name_and_the_next_start_asks_again(
    qtbot: QtBot, first_day: SessionFactory, tmp_path: Path, registry: Registry
) -> None:
    from PySide6.QtCore import Qt

    window = _start(qtbot, first_day, tmp_path, offer_demo=False, registry=registry)
    try:
        dialog = _dialog(qtbot, window)
        qtbot.mouseClick(dialog.later_button, Qt.MouseButton.LeftButton)
        assert _closed(dialog)
        me = find_user(first_day, "root")
        assert me.display_name == "root" and me.collar_number is None
    finally:
        _finish(window)
    again = _start(qtbot, first_day, tmp_path, offer_demo=False, registry=registry)
    try:
        _dialog(qtbot, again)
    finally:
        _finish(again)


def test_an_empty_workspace_offers_the_demo_and_loads_it(
    qtbot: QtBot, first_day: SessionFactory, tmp_path: Path, registry: Registry
) -> None:
    from PySide6.QtCore import Qt

    assert demo.is_empty_workspace(first_day)
    window = _start(qtbot, first_day, tmp_path, offer_demo=True, registry=registry)
    try:
        dialog = _dialog(qtbot, window)
        assert dialog.load_demo.isVisible() and dialog.load_demo.isChecked()
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # the demo alone will do
        qtbot.waitUntil(lambda: _closed(dialog), timeout=30_000)
        assert not demo.is_empty_workspace(first_day)
        window.jobs.wait_until_idle(15)
        assert window.list.model().rowCount() > 0  # the inbox shows the demo without a restart
    finally:
        _finish(window)
