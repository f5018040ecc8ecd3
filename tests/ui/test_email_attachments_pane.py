"""An e-mail's attachments in the desktop: listed under the message, saved and opened only on request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels.email_items import message_item
from services.channels.ingest import upsert
from services.store.models_audit import AuditEvent
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction
from services.workspace.users import find_user
from tests.real import mail_samples as samples
from tests.ui.conftest import save_shot, settle
from ui.main_window import MainWindow

pytestmark = pytest.mark.qt
OURS = "counter@northvale-police.example"
PDF = b"%PDF-1.4 " + b"x" * (samples.PDF_SIZE - 9)


def test_an_attachment_is_saved_only_when_asked_and_opened_only_if_chosen(
    qtbot: QtBot, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    w = make_window()
    factory = w._ctx.factory
    admin = find_user(factory, "r.lindqvist")
    view = channels_admin.add_channel(
        factory,
        admin,
        "email",
        "Front desk mail",
        {"imap": "127.0.0.1:1143", "smtp": "127.0.0.1:1025", "address": OURS, "security": "none"},
    )
    with write_transaction(factory, None) as tx:
        item = message_item(samples.with_attachment("gordon@public.example", OURS))
        (item_id,) = upsert(tx.session, view.id, [item], tx.now).inserted
        tx.touched(ChangeKind.ITEMS, item_id)

    opened: list[str] = []
    asked: list[str] = []
    out = tmp_path / "saved.pdf"
    saver = w.conversation.attachments
    saver._ask_path = lambda _parent, name: (asked.append(name), str(out))[1]
    saver._ask_open = lambda _parent, _path: False  # the officer chooses not to open it
    saver._open_url = lambda url: opened.append(url.toString())

    w.search.setText('channel:"Front desk mail"')
    w._on_search_entered()
    settle(qtbot, w)
    w.inbox.select_item(item_id)
    settle(qtbot, w)
    pane = w.pane
    text = pane.toPlainText()
    assert "witness-statement.pdf (application/pdf, 12.3 kB) Save…" in text
    assert "Attachments — saved to this computer only when you click, never opened here" in text
    assert "<img" not in pane.toHtml()
    assert not out.exists()  # listing it saved nothing
    save_shot(pane, "email-attachment-save-link.png")

    pane.anchorClicked.emit(pane.source().resolved(f"fc:attachment/{item_id}/1"))  # type: ignore[arg-type]
    settle(qtbot, w)

    assert asked == ["witness-statement.pdf"]
    assert out.read_bytes() == PDF
    assert opened == []
    assert "Saved witness-statement.pdf (12,345 bytes)" in w.status_label.text()
    with factory() as s:
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == item_id)))
    assert "item.attachment_open" in actions

    saver._ask_open = lambda _parent, _path: True  # now they choose to open it
    pane.anchorClicked.emit(pane.source().resolved(f"fc:attachment/{item_id}/1"))  # type: ignore[arg-type]
    settle(qtbot, w)
    assert opened == [f"file://{out}"]
