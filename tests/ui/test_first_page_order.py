"""A new list's rows paint first; the pane loads the first item once they are on screen.

Loading the conversation beside the list's first paint held the rows back about 40 ms at
a million items (both want the GIL). The first row is still highlighted in that paint.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, QSettings
from pytestqt.qtbot import QtBot

from services.channels.protocol import Registry
from services.store.db import SessionFactory
from services.workspace.users import find_user
from tests.ui.conftest import settle
from ui.app import build_window
from ui.main_window import MainWindow


class _Log(QObject):
    def __init__(self, window: MainWindow, log: list[str]) -> None:
        super().__init__(window)
        self._window = window
        self._log = log
        window.list.viewport().installEventFilter(self)
        window.inbox.current_item_changed.connect(self._current)
        window.inbox.model.modelReset.connect(lambda: self._log.append("new rows"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._window.inbox.model.rowCount():
            selected = self._window.list.selectionModel().selectedRows()
            self._log.append("paint rows, first selected" if selected else "paint rows")
        return False

    def _current(self, item_id: object) -> None:
        self._log.append(f"pane told {item_id}")


def test_the_first_rows_paint_before_the_pane_is_told(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window()
    log: list[str] = []
    _Log(window, log)
    window.sidebar.select_view("all")
    settle(qtbot, window)
    told = next(i for i, e in enumerate(log) if e.startswith("pane told"))
    new_rows = max(i for i, e in enumerate(log[:told]) if e == "new rows")
    assert "paint rows, first selected" in log[new_rows:told], log
    assert log[told] == f"pane told {window.inbox.model.item_id(0)}", log
    assert window.pane.isVisible()


def test_started_is_said_once_when_the_first_rows_are_on_screen(
    qtbot: QtBot, demo_factory: SessionFactory, tmp_path: Path, registry: Registry
) -> None:
    """console/gui.py turns the garbage collector back on when the window says it started."""
    actor = find_user(demo_factory, "d.hughes")
    settings = QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat)
    window = build_window(
        demo_factory, actor, ZoneInfo("Europe/London"), settings, registry=registry
    )
    qtbot.addWidget(window)
    said: list[int] = []
    window.started.connect(lambda: said.append(window.inbox.model.rowCount()))
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.start()
    settle(qtbot, window)
    window.poller.timer.stop()
    assert len(said) == 1
    assert said[0] > 0  # the rows were there when it was said
    window.jobs.wait()
