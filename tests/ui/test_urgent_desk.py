"""An urgent item in the desktop: a banner that stays until someone takes it, a reason to close it,
the force's guidance on top of the conversation and its saved reply one click away (issue 11)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from services.answers import replies
from services.channels.protocol import Registry
from services.store.db import make_session_factory
from services.store.models import Channel, Item, Status
from services.store.models_audit import AuditEvent
from services.workspace.users import find_user
from tests.builders import add_item
from tests.ui.conftest import save_shot, settle
from ui.dialogs.triage_dialogs import ReasonDialog
from ui.main_window import MainWindow

DOCS = Path(__file__).resolve().parents[2] / "docs"
KNIFE = (
    "There is a man with a knife outside my house right now trying to get in, please help. "
    "I am at 14 Mill Lane."
)


def _arrive(qtbot: QtBot, w: MainWindow, external_id: str, author: str) -> int:
    """An urgent comment arrives on the blog, as the worker would write it; the desk polls."""
    worker = make_session_factory(w._ctx.factory.kw["bind"])  # another origin: the poller sees it
    with worker() as s:
        blog = s.scalar(select(Channel.id).where(Channel.kind == "wordpress"))
    assert blog is not None
    item_id = add_item(worker, blog, external_id, KNIFE, author=author)
    w.poller.poll()
    settle(qtbot, w)
    return item_id


def test_the_banner_stays_until_someone_takes_the_item(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window("d.hughes")
    assert w.urgent_banner.isHidden()  # the demo has nothing urgent
    rung: list[str] = []
    w.urgent.raised.connect(rung.append)
    item_id = _arrive(qtbot, w, "knife-1", "Jo Marsh")
    qtbot.waitUntil(w.urgent_banner.isVisible, timeout=5000)
    text = w.urgent_banner.label.text()
    assert "URGENT" in text and "Jo Marsh" in text and "weapons" in text
    assert w.urgent_banner.open_button.text() == "Open it"
    assert len(rung) == 1 and rung[0].startswith("URGENT") and "Jo Marsh" in rung[0]

    w.refresh_all()  # a refresh, a view change: still there
    w.sidebar.select_view("mine")
    settle(qtbot, w)
    assert w.urgent_banner.isVisible()
    assert len(rung) == 1  # rung once, however often the list is read again

    qtbot.mouseClick(w.urgent_banner.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.inbox.current_id() == item_id, timeout=5000)
    settle(qtbot, w)
    assert w.urgent_banner.isVisible()  # opening it is not taking it

    w.triage.apply_assign("d.hughes")
    settle(qtbot, w)
    qtbot.waitUntil(w.urgent_banner.isHidden, timeout=5000)


def test_several_urgent_items_make_one_banner_opening_the_oldest(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window("d.hughes")
    first = _arrive(qtbot, w, "knife-1", "Jo Marsh")
    _arrive(qtbot, w, "knife-2", "Sam Pike")
    qtbot.waitUntil(lambda: "2 items" in w.urgent_banner.label.text(), timeout=5000)
    assert w.urgent_banner.open_button.text() == "Open the oldest"
    assert "Jo Marsh" in w.urgent_banner.label.text()
    qtbot.mouseClick(w.urgent_banner.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.inbox.current_id() == first, timeout=5000)


def test_marking_an_urgent_item_done_asks_why_and_records_it(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window("d.hughes")
    item_id = _arrive(qtbot, w, "knife-1", "Jo Marsh")
    assert w.inbox.select_item(item_id)
    settle(qtbot, w)
    said: list[str] = []
    w.triage.message.connect(said.append)
    w.triage.done()
    qtbot.waitUntil(
        lambda: isinstance(QApplication.activeModalWidget(), ReasonDialog), timeout=5000
    )
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ReasonDialog)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    assert f"#{item_id}" in dialog.note.text()
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.error.isVisible() and dialog.isVisible()  # no reason, no closing
    qtbot.keyClicks(dialog.edit, "Called 999; officers attended, caller safe")
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    settle(qtbot, w)
    f = w._ctx.factory
    with f() as s:
        assert s.scalar(select(Item.status).where(Item.id == item_id)) == Status.DONE, said
        after = s.scalars(
            select(AuditEvent.after).where(
                AuditEvent.action == "item.status", AuditEvent.subject_id == item_id
            )
        ).all()
    assert after[-1] is not None
    assert after[-1]["reason"] == "Called 999; officers attended, caller safe"
    qtbot.waitUntil(w.urgent_banner.isHidden, timeout=5000)  # closed with a reason: taken


def test_an_urgent_item_opens_with_the_guidance_and_its_saved_reply(
    qtbot: QtBot, make_window: Callable[..., MainWindow], registry: Registry
) -> None:
    w = make_window("d.hughes")
    f = w._ctx.factory
    body = "If you are in danger now, please call 999. We have passed your message to the control room."
    replies.add_saved_reply(
        f, find_user(f, "r.lindqvist"), "Urgent: call 999", body, registry=registry
    )
    item_id = _arrive(qtbot, w, "knife-1", "Jo Marsh")
    assert w.inbox.select_item(item_id)
    settle(qtbot, w)
    page = w.pane.toPlainText()
    assert page.lstrip().startswith("URGENT")  # first thing on the page
    assert "call 999" in page and "Urgent: call 999" in page
    assert w.composer.urgent_reply.isVisible()
    qtbot.mouseClick(w.composer.urgent_reply, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "control room" in w.composer.editor.toPlainText(), timeout=5000)
    settle(qtbot, w)
    QApplication.processEvents()
    shot = save_shot(w, "urgent-item-1280x800.png")
    shutil.copy(shot, DOCS / "urgent-item-1280x800.png")
