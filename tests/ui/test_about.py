"""Help › About names the release, the schema it writes and the open database's schema."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from services.release import app_version
from services.store.db import head_revision
from ui.main_window import MainWindow


def test_help_about_shows_the_version_and_both_schema_revisions(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window()
    help_menu = next(m for m in window.menuBar().actions() if m.text().strip("&") == "Help")
    about = window.actions_.actions["about"]
    menu = help_menu.menu()
    assert isinstance(menu, QMenu) and about in menu.actions()
    about.trigger()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "about_box") is not None, timeout=5000)
    box = window.findChild(QMessageBox, "about_box")
    assert box is not None
    text = box.text()
    assert f"Front Counter {app_version()}" in text
    assert f"written by this release: {head_revision()}" in text
    assert f"open database: {head_revision()}" in text
    box.close()


def test_the_application_carries_its_icon_and_desktop_entry_id() -> None:
    from PySide6.QtWidgets import QApplication

    from ui.app import application

    app = application()
    assert isinstance(app, QApplication)
    assert not app.windowIcon().pixmap(64, 64).isNull(), "no icon: resources/icons/*.svg"
    assert app.desktopFileName() == "org.frontcounter.FrontCounter"
