"""An officer works the inbox with the keyboard; the services then hold what they did."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from services.channels.protocol import Registry
from services.inbox import conversation, item_rows
from services.inbox import listing as inbox
from tests.ui.conftest import save_shot, settle
from ui.dialogs.triage_dialogs import AssignDialog, EscalateDialog, TagDialog
from ui.main_window import MainWindow
from ui.models.inbox_model import InboxModel


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key, text: str = "") -> None:
    qtbot.keyClick(window.list, key)
    settle(qtbot, window)


def modal(qtbot: QtBot, cls: type) -> object:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), cls), timeout=5000)
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(lambda: dialog is not None and dialog.isActiveWindow(), timeout=5000)
    return dialog


def test_officer_triages_five_items_with_the_keyboard(
    qtbot: QtBot, make_window: Callable[..., MainWindow], registry: Registry
) -> None:
    w = make_window("d.hughes")
    f = w._ctx.factory
    w.list.setFocus()
    first = w.inbox.current_id()
    assert first == w.inbox.model.ids[0]
    visited = [first]
    for _ in range(4):
        press(qtbot, w, Qt.Key.Key_J)
        visited.append(w.inbox.current_id())
    assert visited == list(w.inbox.model.ids[:5])
    press(qtbot, w, Qt.Key.Key_K)
    assert w.inbox.current_id() == visited[3]
    # The pane shows the item the cursor is on.
    assert w.pane.conversation is not None and w.pane.conversation.item.id == visited[3]

    # t: tag the current item
    tagged = w.inbox.current_id()
    press(qtbot, w, Qt.Key.Key_T)
    dialog = modal(qtbot, TagDialog)
    assert isinstance(dialog, TagDialog)
    qtbot.keyClicks(dialog.edit, "needs-callback")
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert "needs-callback" in conversation.load(f, tagged, registry=registry).tags
    row = w.inbox.model.row_at(w.inbox.model.row_of(tagged))
    assert row is not None and "needs-callback" in row.tags

    # a: assign the next item to PCSO Aisha Moran
    press(qtbot, w, Qt.Key.Key_J)
    assigned = w.inbox.current_id()
    press(qtbot, w, Qt.Key.Key_A)
    dialog = modal(qtbot, AssignDialog)
    assert isinstance(dialog, AssignDialog)
    dialog.combo.setCurrentIndex(dialog.combo.findData("a.moran"))
    qtbot.keyClick(dialog.combo, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert conversation.load(f, assigned, registry=registry).assignee == "a.moran"

    # !: escalate the first item to the supervisor, with a reason
    w.inbox.select_item(visited[0])
    settle(qtbot, w)
    # A real "!" press is also tried as the bare symbol; test_xserver_keys covers the full path.
    qtbot.keyClick(w.list, Qt.Key.Key_Exclam)
    dialog = modal(qtbot, EscalateDialog)
    assert isinstance(dialog, EscalateDialog)
    dialog.target.setCurrentIndex(dialog.target.findData("user:g.okafor"))
    qtbot.keyClicks(dialog.reason, "Possible safeguarding concern: needs a supervisor today")
    save_shot(dialog, "escalate-dialog.png")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    settle(qtbot, w)
    esc = conversation.load(f, visited[0], registry=registry).escalations
    assert esc and esc[-1].to == "Sgt Grace Okafor" and "safeguarding" in esc[-1].reason
    chips = w.inbox.model.index(w.inbox.model.row_of(visited[0]), 6).data(InboxModel.ChipsRole)
    assert "escalated" in [c.text for c in chips]

    # e twice: two items done; they leave the Inbox view and the cursor moves on
    w.inbox.select_item(visited[1])
    settle(qtbot, w)
    done_ids = []
    for _ in range(2):
        done_ids.append(w.inbox.current_id())
        press(qtbot, w, Qt.Key.Key_E)
        settle(qtbot, w)
    assert len(set(done_ids)) == 2
    assert [r.status for r in item_rows.rows(f, done_ids)] == ["done", "done"]
    assert not set(done_ids) & set(w.inbox.model.ids)
    assert w.inbox.current_id() is not None

    # z: undo the last "done"
    press(qtbot, w, Qt.Key.Key_Z)
    settle(qtbot, w)
    assert item_rows.rows(f, [done_ids[1]])[0].status != "done"

    # /: search with a tag and a phrase
    qtbot.keyClick(w.list, Qt.Key.Key_Slash)
    assert w.search.hasFocus()
    qtbot.keyClicks(w.search, 'tag:complaint "letter"')
    qtbot.keyClick(w.search, Qt.Key.Key_Return)
    settle(qtbot, w)
    expected = list(
        inbox.item_ids(f, inbox.Query('is:inbox tag:complaint "letter"', w._ctx.actor.id))
    )
    assert list(w.inbox.model.ids) == expected and expected
    authors = {w.inbox.model.row_at(i).author for i in range(w.inbox.model.rowCount())}  # type: ignore[union-attr]
    assert authors == {"Helen Brennan"}
    save_shot(w, "main-window-search-1280x800.png")


def test_malformed_search_shows_message_inline_and_keeps_the_list(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window()
    before = list(w.inbox.model.ids)
    qtbot.keyClick(w.list, Qt.Key.Key_Slash)  # as an officer gets to the search box
    assert w.search.hasFocus()
    w.search.setText("colour:red")
    qtbot.keyClick(w.search, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert w.search_error.isVisible() and "unknown filter 'colour:'" in w.search_error.text()
    assert list(w.inbox.model.ids) == before


def test_cheat_sheet_lists_every_shortcut(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window()
    qtbot.keyClick(w.list, Qt.Key.Key_Question)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=5000)
    sheet = QApplication.activeModalWidget()
    assert sheet is not None and sheet.objectName() == "cheat_sheet"
    text = sheet.findChildren(type(w.status_label))[0].text()
    for label in ("Next item", "Mark done", "Tag…", "Escalate…", "Undo last triage action"):
        assert label in text
    save_shot(sheet, "cheat-sheet.png")
    sheet.close()


def test_saved_search_appears_in_the_sidebar_and_survives_a_restart(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    from ui.dialogs.triage_dialogs import NameDialog

    w = make_window()
    w.search.setText("tag:complaint")
    w._on_search_entered()
    settle(qtbot, w)
    qtbot.keyClick(w.list, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    dialog = modal(qtbot, NameDialog)
    assert isinstance(dialog, NameDialog)
    got: list[str] = []
    dialog.submitted.connect(got.append)
    dialog.edit.clear()
    qtbot.keyClicks(dialog.edit, "Complaints")
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert w.sidebar._saved_root.childCount() == 1
    w.close()
    again = make_window()
    saved = again.sidebar._saved_root
    assert saved.childCount() == 1 and saved.child(0).text(0) == "Complaints"
    again.sidebar.setCurrentItem(saved.child(0))
    settle(qtbot, again)
    assert again.inbox.query_text == "is:inbox tag:complaint"
