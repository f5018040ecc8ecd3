"""E-mail items in the desktop: the inbox list and the conversation pane show them readable and inert.

The messages are the bytes the real-Dovecot tests use (tests/real/mail_samples),
made into items by the e-mail connector's own mapping, then opened as an
officer would; screenshots go to artifacts/screenshots.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from pytestqt.qtbot import QtBot

from services.channels import admin as channels_admin
from services.channels.email_items import message_item
from services.channels.ingest import upsert
from services.channels.protocol import Registry
from services.inbox import conversation
from services.store.db import SessionFactory
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction
from services.workspace.users import find_user
from tests.real import mail_samples as samples
from tests.ui.conftest import save_shot, settle
from ui.main_window import MainWindow
from ui.panes.conversation_pane import ConversationPane

OURS = "counter@northvale-police.example"
PUBLIC = "jo@public.example"


def _email_channel(factory: SessionFactory) -> dict[str, int]:
    """A contact mailbox with the sample messages, mapped as a sync maps them; item ids by Message-ID."""
    admin = find_user(factory, "r.lindqvist")
    view = channels_admin.add_channel(
        factory,
        admin,
        "email",
        "Front desk mail",
        {
            "imap": "127.0.0.1:1143",
            "smtp": "127.0.0.1:1025",
            "login": OURS,
            "address": OURS,
            "security": "none",
        },
    )
    first, answer, again = samples.thread_of_three(PUBLIC, OURS)
    items = [
        message_item(samples.html_with_pixel_and_script("helen@public.example", OURS)),
        message_item(samples.with_attachment("gordon@public.example", OURS)),
        message_item(samples.latin1("renee@public.example", OURS)),
        message_item(samples.unknown_charset("sam@public.example", OURS)),
        message_item(first),
        message_item(answer, outbound=True),
        message_item(again),
    ]
    with write_transaction(factory, None) as tx:
        result = upsert(tx.session, view.id, items, tx.now)
        tx.touched(ChangeKind.ITEMS, *result.inserted)
    return {i.external_id: n for i, n in zip(items, result.inserted, strict=True)}


def test_an_email_thread_and_its_attachments_read_well_in_the_conversation_pane(
    qtbot: QtBot, make_window: Callable[..., MainWindow], registry: Registry
) -> None:
    w = make_window()
    ids = _email_channel(w._ctx.factory)
    pane = ConversationPane(ZoneInfo("Europe/London"), open_url=lambda _url: None)
    qtbot.addWidget(pane)
    pane.resize(700, 700)
    pane.show()

    pane.show_conversation(
        conversation.load(w._ctx.factory, ids["<jo-2@public.example>"], registry=registry)
    )
    text = pane.toPlainText()
    for words in ("loud music in the park", "neighbourhood team will patrol", "quieter last night"):
        assert words in text  # the whole thread, our answer in the middle
    save_shot(pane, "email-thread-pane.png")

    pane.show_conversation(
        conversation.load(w._ctx.factory, ids["<html-1@public.example>"], registry=registry)
    )
    html = pane.toHtml()
    for bad in ("<script", "<img", "tracker.example", "document.cookie"):
        assert bad not in html
    assert "[evil.example]" in pane.toPlainText()
    save_shot(pane, "email-html-pane.png")

    pane.show_conversation(
        conversation.load(w._ctx.factory, ids["<attach-1@public.example>"], registry=registry)
    )
    assert "witness-statement.pdf (application/pdf, 12.3 kB)" in pane.toPlainText()
    save_shot(pane, "email-attachment-pane.png")

    pane.show_conversation(
        conversation.load(w._ctx.factory, ids["<charset-1@public.example>"], registry=registry)
    )
    assert "not a known character set" in pane.toPlainText()
    save_shot(pane, "email-unknown-charset-pane.png")


def test_email_items_show_in_the_inbox_list(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window()
    _email_channel(w._ctx.factory)
    w.search.setText('channel:"Front desk mail"')
    w._on_search_entered()
    settle(qtbot, w)
    assert w.inbox.model.rowCount() == 6  # our own answer is in the thread, not in the inbox
    w.inbox.select_item(w.inbox.model.ids[0])
    settle(qtbot, w)
    save_shot(w, "email-inbox-window.png")
