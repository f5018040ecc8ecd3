"""The search you see is the search you get: a filtered list says so, and clearing the box clears it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from services.inbox import listing as inbox
from tests.ui.conftest import save_shot, settle
from ui.main_window import MainWindow


def _whole_view(w: MainWindow, query: str) -> list[int]:
    return list(inbox.item_ids(w._ctx.factory, inbox.Query(query, w._ctx.actor.id, w._ctx.tz)))


def _search(qtbot: QtBot, w: MainWindow, text: str) -> None:
    qtbot.keyClick(w.list, Qt.Key.Key_Slash)
    qtbot.keyClicks(w.search, text)
    qtbot.keyClick(w.search, Qt.Key.Key_Return)
    settle(qtbot, w)


def _clear_button(w: MainWindow) -> QWidget:
    action = w.search.findChild(QAction, "_q_qlineeditclearaction")
    assert action is not None, "the search box has no clear button"
    [button] = [o for o in action.associatedObjects() if isinstance(o, QWidget)]
    return button


def _click_clear_button(qtbot: QtBot, w: MainWindow) -> None:
    button = _clear_button(w)
    qtbot.waitUntil(button.isVisible, timeout=5000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _select_all_and_delete(qtbot: QtBot, w: MainWindow) -> None:
    w.search.setFocus()
    qtbot.keyClick(w.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(w.search, Qt.Key.Key_Delete)


def _escape_in_the_box(qtbot: QtBot, w: MainWindow) -> None:
    qtbot.keyClick(w.list, Qt.Key.Key_Slash)
    qtbot.keyClick(w.search, Qt.Key.Key_Escape)


def _chip_cross(qtbot: QtBot, w: MainWindow) -> None:
    qtbot.mouseClick(w.search_bar.chip_clear, Qt.MouseButton.LeftButton)


CLEARERS = {
    "clear button": _click_clear_button,
    "select all and delete": _select_all_and_delete,
    "escape": _escape_in_the_box,
    "chip cross": _chip_cross,
}


@pytest.mark.parametrize("how", sorted(CLEARERS))
def test_clearing_the_search_shows_every_view_whole_again(
    qtbot: QtBot, make_window: Callable[..., MainWindow], how: str
) -> None:
    w = make_window()
    whole_inbox = _whole_view(w, "is:inbox")
    _search(qtbot, w, "tag:complaint")
    assert 0 < w.inbox.model.rowCount() < len(whole_inbox)
    chip = w.search_bar.chip
    assert chip.isVisible() and w.search_bar.chip_label.text() == "Filtered:  tag:complaint"

    # Another view keeps the search, and still says so.
    w.sidebar.select_view("all")
    settle(qtbot, w)
    whole_all = _whole_view(w, "")
    assert 0 < w.inbox.model.rowCount() < len(whole_all) and chip.isVisible()
    save_shot(w, "search-filter-chip.png")

    CLEARERS[how](qtbot, w)
    settle(qtbot, w)
    assert w.search.text() == "" and not chip.isVisible()
    assert list(w.inbox.model.ids) == whole_all
    w.sidebar.select_view("inbox")
    settle(qtbot, w)
    assert list(w.inbox.model.ids) == whole_inbox
    assert w.count_label.text() == f"{len(whole_inbox):,} items"


def test_escape_leaves_the_composer_keeping_the_draft(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window()
    w.list.setFocus()
    for _ in range(w.inbox.model.rowCount()):
        if getattr(w.composer, "can_reply", w.composer.isEnabled()):
            break
        qtbot.keyClick(w.list, Qt.Key.Key_J)  # a feed item has nobody to reply to
        settle(qtbot, w)
    first = w.inbox.current_id()
    qtbot.keyClick(w.list, Qt.Key.Key_R)
    assert w.composer.editor.hasFocus()
    qtbot.keyClicks(w.composer.editor, "Thank you")
    qtbot.keyClick(w.composer.editor, Qt.Key.Key_Escape)
    assert w.list.hasFocus()
    qtbot.keyClick(w.list, Qt.Key.Key_J)
    settle(qtbot, w)
    assert w.inbox.current_id() != first
    w.inbox.select_item(first)  # type: ignore[arg-type]
    settle(qtbot, w)
    qtbot.waitUntil(lambda: w.composer.editor.toPlainText() == "Thank you", timeout=5000)
