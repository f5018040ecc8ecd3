"""A main window on a real SQLite file with the demo workspace, driven like an officer would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from services import demo
from services.channels.protocol import Registry
from services.store.db import SessionFactory, make_engine, make_session_factory
from services.workspace.actor import Actor
from services.workspace.users import find_user, resolve_actor
from ui.app import build_window
from ui.main_window import MainWindow

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def demo_factory(sqlite_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    resolve_actor(factory, "r.lindqvist")
    demo.load(factory)
    yield factory
    engine.dispose()


def settle(qtbot: QtBot, window: MainWindow) -> None:
    """Wait until no background job is running (searches, counts, saves)."""
    assert window.jobs.wait_until_idle(15), "background jobs still running after 15 s"


@pytest.fixture
def make_window(
    qtbot: QtBot, demo_factory: SessionFactory, tmp_path: Path, registry: Registry
) -> Iterator[Callable[[str], MainWindow]]:
    windows: list[MainWindow] = []

    def make(user: str = "d.hughes", live: bool = False) -> MainWindow:
        actor: Actor = find_user(demo_factory, user)
        settings = QSettings(str(tmp_path / f"{user}.ini"), QSettings.Format.IniFormat)
        window = build_window(
            demo_factory, actor, ZoneInfo("Europe/London"), settings, registry=registry
        )
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        window.activateWindow()
        qtbot.waitExposed(window)
        window.start()
        if not live:
            window.poller.timer.stop()
        settle(qtbot, window)
        windows.append(window)
        return window

    yield make
    for w in windows:
        w.poller.timer.stop()
        w.jobs.wait()


def save_shot(widget: QWidget, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    assert widget.grab().save(str(path))
    return path
