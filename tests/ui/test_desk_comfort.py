"""What an officer notices over a shift: nothing squeezes, text size and theme stay, read is mine."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.conftest import settle
from ui.main_window import MainWindow
from ui.models.inbox_model import COL_AUTHOR, InboxModel
from ui.theme import DARK


def test_a_long_return_reason_and_search_error_wrap_instead_of_squeezing_the_list(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window()
    before = w.list.width()
    long = "Please rewrite this reply: " + " ".join(["the caller asked about 101"] * 30)
    w.composer.state.setText(long)
    w.search_bar.show_error("cannot read the query: " + " ".join(["colour:red"] * 60))
    w.show_message("Reply #7 failed: " + "x" * 600)
    QApplication.processEvents()
    w.resize(1280, 800)
    QApplication.processEvents()
    assert w.list.width() >= before - 20 and w.list.width() > 450
    assert w.width() <= 1280


def test_25_rows_fit_at_1280x800(qtbot: QtBot, make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    assert w.list.viewport().height() // w.list.verticalHeader().defaultSectionSize() >= 25


def test_text_size_and_theme_follow_the_keys_and_menu_and_are_remembered(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window()
    normal = QApplication.font().pointSizeF()
    qtbot.keyClick(w.list, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(w.list, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.font().pointSizeF() == normal + 2
    w.actions_.actions["theme_dark"].trigger()
    assert w.display.theme is DARK
    assert QApplication.palette().base().color().name() == DARK.base
    w.close()
    QApplication.setFont(type(QApplication.font())())  # as a fresh start would have it
    again = make_window()
    assert QApplication.font().pointSizeF() == normal + 2 and again.display.theme is DARK
    qtbot.keyClick(again.list, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.font().pointSizeF() == normal
    again.actions_.actions["theme_light"].trigger()


def test_list_cells_and_buttons_carry_words_for_screen_readers(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window()
    index = w.list.model().index(0, COL_AUTHOR)
    spoken = index.data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken.startswith(("from ", "unread, from "))
    badges = [
        w.list.model().index(r, 6).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(10)
    ]
    assert any("over" in b or "escalated" in b for b in badges)
    for name in ("submit_reply",):
        assert w.findChild(type(w.composer.submit_button), name).accessibleName()
    for spec_id in ("done", "escalate", "sync_now"):
        button = w.toolbar.widgetForAction(w.actions_.actions[spec_id])
        assert button is not None and button.toolTip() and not button.icon().isNull()


def test_opening_an_item_makes_it_read_for_me_only(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    dan = make_window("d.hughes")
    model = dan.inbox.model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(InboxModel.UnreadRole))
    item = model.item_id(row)
    assert item is not None
    dan.inbox.select_item(item)
    settle(qtbot, dan)
    assert model.index(model.row_of(item), 0).data(InboxModel.UnreadRole) is False
    ana = make_window("a.moran")
    other = ana.inbox.model
    assert other.index(other.row_of(item), 0).data(InboxModel.UnreadRole) is True
    ana.search_bar.run("is:unread")
    settle(qtbot, ana)
    assert item in list(ana.inbox.model.ids)


def test_window_layout_and_column_widths_are_remembered_per_person(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window("d.hughes")
    w.list.horizontalHeader().resizeSection(COL_AUTHOR, 233)
    w.close()
    again = make_window("d.hughes")
    assert again.list.horizontalHeader().sectionSize(COL_AUTHOR) == 233
    other = make_window("a.moran")
    assert other.list.horizontalHeader().sectionSize(COL_AUTHOR) != 233


def test_the_report_view_fits_a_laptop_screen_and_reflows_its_charts(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window()
    dialog = w.dialogs.show_reports()
    settle(qtbot, w)
    room = dialog.screen().availableGeometry()
    assert dialog.height() <= room.height() and dialog.width() <= room.width()
    dialog.resize(1280, 760)
    QApplication.processEvents()
    assert dialog.columns == 2
    dialog.resize(700, 700)
    QApplication.processEvents()
    assert dialog.columns == 1 and min(v.width() for v in dialog.views) >= 400
    dialog.close()
