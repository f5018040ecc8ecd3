"""Flag an item as distressing by hand from the Item menu (or the list's context menu), then lift it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from services.store.models import Channel
from services.store.models_audit import AuditEvent
from tests.builders import add_item

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from ui.main_window import MainWindow

TEXT = "Here is a photo of what he did to my face last night"


@pytest.mark.qt
def test_an_officer_flags_an_item_by_hand_and_a_colleague_lifts_it_with_a_reason(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from tests.ui.conftest import save_shot, settle
    from ui.dialogs.triage_dialogs import NameDialog

    w = make_window("d.hughes")
    f = w._ctx.factory
    with f() as s:
        blog = s.scalar(select(Channel.id).where(Channel.kind == "wordpress"))
    assert blog is not None
    item_id = add_item(f, blog, "photo-1", TEXT, author="Jo Carter")
    w.refresh_all()
    settle(qtbot, w)
    assert w.inbox.select_item(item_id)
    settle(qtbot, w)
    assert "what he did" in w.pane.toPlainText()  # nothing flags it yet
    flag = w.actions_.actions["distressing_on"]
    assert flag.shortcuts() == [] and flag.isEnabled()
    assert w.list.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu

    flag.trigger()
    settle(qtbot, w)
    qtbot.waitUntil(lambda: w.conversation.veil.is_veiled(item_id), timeout=5000)
    settle(qtbot, w)
    qtbot.waitUntil(lambda: "flagged as distressing" in w.pane.toPlainText(), timeout=5000)
    assert "what he did" not in w.pane.toPlainText()
    assert "flagged as distressing" in w.status_label.text()
    save_shot(w, "welfare-hand-flag.png")
    [item_menu] = [a.menu() for a in w.menuBar().actions() if a.text() == "Item"]
    assert {"Flag as distressing", "Lift distressing flag…"} <= {
        a.text() for a in item_menu.actions()
    }
    item_menu.popup(w.mapToGlobal(w.rect().topLeft()))
    qtbot.waitExposed(item_menu)
    save_shot(item_menu, "welfare-item-menu.png")
    item_menu.close()

    w.actions_.actions["distressing_off"].trigger()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), NameDialog), timeout=5000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, NameDialog)
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)  # no reason: refused, the dialog stays
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.edit, "an old photo of a car crash scene, not hers")
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    settle(qtbot, w)
    qtbot.waitUntil(lambda: not w.conversation.veil.is_veiled(item_id), timeout=5000)
    with f() as s:
        events = s.execute(
            select(AuditEvent.actor_id, AuditEvent.after).where(
                AuditEvent.action == "item.distressing"
            )
        ).all()
    assert [e[1]["distressing"] for e in events] == [True, False]
    assert events[1][1]["reason"] == "an old photo of a car crash scene, not hers"
