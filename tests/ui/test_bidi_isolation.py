"""A right-to-left override in outside text cannot reverse our own text after it (issue 19).

Checked on Qt's own layout: after the outside string, each next character of
our text must sit further right, as left-to-right text does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from zoneinfo import ZoneInfo

from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from services.channels.protocol import Registry
from services.inbox import conversation, triage
from services.store.db import SessionFactory
from services.store.models import Item
from services.workspace.actor import Actor
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction
from tests.builders import add_channel, add_item
from ui.main_window import MainWindow
from ui.models.inbox_model import COL_TAGS
from ui.panes.conversation_html import render

RLO = "\u202e"
SPOOF = f"Evil{RLO}gnp.exe"


def left_to_right(text: str, html: bool, after: str) -> bool:
    """Whether `after` (our text, found after the outside string) is laid out left to right."""
    doc = QTextDocument()
    if html:
        doc.setHtml(text)
    else:
        doc.setPlainText(text)
    doc.setTextWidth(4000)
    doc.size()  # lays the document out
    block = doc.begin()
    while block.isValid() and after not in block.text():
        block = block.next()
    assert block.isValid(), f"{after!r} not shown"
    line = block.layout().lineAt(0)
    start = block.text().index(after)
    xs = [line.cursorToX(i)[0] for i in range(start, start + len(after) + 1)]
    return all(a < b for a, b in pairwise(xs))


def test_a_name_with_an_override_leaves_the_pane_text_after_it_in_order(
    qtbot: QtBot, factory: SessionFactory, officer: Actor, registry: Registry
) -> None:
    channel = add_channel(factory)
    item_id = add_item(factory, channel, "1", "hello")
    with write_transaction(factory, None) as tx:
        tx.session.get_one(Item, item_id).source_state = "held"
        tx.touched(ChangeKind.ITEMS, item_id)
    conv = conversation.load(factory, item_id, registry=registry)
    # Stored before ingest cleaned names (or from a source that bypasses it): the pane must hold.
    spoofed = replace(conv.item, author=SPOOF, author_handle=f"@x{RLO}yz")
    html = render(replace(conv, item=spoofed), ZoneInfo("Europe/London"))
    assert left_to_right(html, html=True, after=" held on source")
    # Without the isolates, the same line reads backwards after the name.
    naked = html.replace("\u2068", "").replace("\u2069", "")
    assert not left_to_right(naked, html=True, after=" held on source")


def test_a_tag_with_an_override_leaves_the_next_tag_in_order(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window("d.hughes")
    item_id = w.inbox.model.ids[0]
    f = w._ctx.factory
    triage.tag(f, w._ctx.actor, [item_id], f"a{RLO}bc")
    triage.tag(f, w._ctx.actor, [item_id], "zz-ours")
    w.inbox.model.refresh_items([item_id])
    qtbot.waitUntil(
        lambda: "zz-ours" in str(w.inbox.model.data(w.inbox.model.index(0, COL_TAGS))),
        timeout=5000,
    )
    cell = str(w.inbox.model.data(w.inbox.model.index(0, COL_TAGS)))
    assert RLO in cell and cell.index(RLO) < cell.index("#zz-ours")
    assert left_to_right(cell, html=False, after=" #zz-ours")
    naked = cell.replace("\u2068", "").replace("\u2069", "")
    assert not left_to_right(naked, html=False, after=" #zz-ours")
