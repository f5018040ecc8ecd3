"""The force's references show on the item in the desktop pane, where the officer works."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from services.channels.protocol import Registry
from services.desk import references
from services.desk.references import Subject
from services.inbox import conversation
from services.store.db import SessionFactory
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item

pytestmark = pytest.mark.qt


def test_the_pane_lists_item_and_thread_references_and_drops_removed_ones(
    factory: SessionFactory, officer: Actor, registry: Registry
) -> None:
    from ui.panes.conversation_html import render

    blog = add_channel(factory)
    helen = add_item(factory, blog, "1", "my car was broken into", author="Helen Brennan")
    references.add_reference(factory, officer, Subject("item", helen), "crime", "WS/2026/12345")
    thread = references.thread_of(factory, helen)
    references.add_reference(factory, officer, thread, "cad", "CAD 0412 29/11")
    references.add_reference(factory, officer, Subject("item", helen), "intelligence", "IR 77")
    references.remove_reference(factory, officer, Subject("item", helen), "IR 77", "wrong item")

    page = render(conversation.load(factory, helen, registry=registry), ZoneInfo("Europe/London"))

    assert "Force references:" in page
    assert "WS/2026/12345" in page and "CAD 0412 29/11</b> (thread)" in page
    assert "IR 77" not in page  # removed: kept in the history, not shown as current
