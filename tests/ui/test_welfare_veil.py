"""A distressing item is veiled in the list and the pane until the person reveals it (audited, per person)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from services.store.models import Channel
from services.store.models_audit import AuditEvent
from tests.builders import add_item
from tests.ui.conftest import save_shot, settle
from ui.main_window import MainWindow

DOCS = Path(__file__).resolve().parents[2] / "docs"
TEXT = "I can't go on. I am going to kill myself tonight, nobody would notice"


def test_a_distressing_item_is_veiled_until_revealed(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window("d.hughes")
    f = w._ctx.factory
    with f() as s:
        blog = s.scalar(select(Channel.id).where(Channel.kind == "wordpress"))
    assert blog is not None
    item_id = add_item(f, blog, "distress-1", TEXT, author="Anonymous Visitor")
    w.refresh_all()
    w.conversation.veil.reload()
    settle(qtbot, w)
    qtbot.waitUntil(lambda: w.conversation.veil.is_veiled(item_id), timeout=5000)
    assert w.inbox.select_item(item_id)
    settle(qtbot, w)
    html = w.pane.toPlainText()
    assert "flagged as distressing" in html and "kill myself" not in html
    shot = save_shot(w, "welfare-veiled.png")
    shutil.copy(shot, DOCS / "welfare-veiled.png")

    w.pane._on_anchor_clicked(QUrl(f"fc:reveal/{item_id}"))
    settle(qtbot, w)
    assert "kill myself" in w.pane.toPlainText()
    assert not w.conversation.veil.is_veiled(item_id)
    with f() as s:
        reveals = s.execute(
            select(AuditEvent.actor_id, AuditEvent.subject_id).where(
                AuditEvent.action == "item.reveal"
            )
        ).all()
    assert reveals == [(w.actor.id, item_id)]
