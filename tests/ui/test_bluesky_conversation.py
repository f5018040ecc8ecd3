"""Bluesky items in the desktop: a reply in its thread reads well in the conversation pane.

The items come from the fake PDS through the connector's own mapping (a real
sync); the screenshot goes to artifacts/screenshots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.inbox import conversation
from services.store.models import Item
from services.workspace.users import find_user
from tests.fakes.bluesky import FakeBluesky
from tests.ui.conftest import save_shot
from ui.main_window import MainWindow
from ui.panes.conversation_pane import ConversationPane


@pytest.fixture
def bsky() -> Iterator[FakeBluesky]:
    fake = FakeBluesky().start()
    yield fake
    fake.stop()


def test_a_bluesky_reply_shows_its_thread_author_and_links(
    qtbot: QtBot, make_window: Callable[..., MainWindow], bsky: FakeBluesky, registry: Registry
) -> None:
    w = make_window()
    factory = w._ctx.factory
    handle = bsky.accounts[bsky.me]["handle"]
    channel_id = channels_admin.add_channel(
        factory,
        find_user(factory, "r.lindqvist"),
        "bluesky",
        "Force Bluesky",
        {"url": bsky.url, "login": handle},
        bsky.passwords[handle],
    ).id
    alice = bsky.add_account("alice.example.social", "Alice Moreau")
    appeal = bsky.post(bsky.me, "Appeal: have you seen this red bicycle? Taken on Sandpit Lane.")
    text = "I saw one like it 🚲 outside https://maps.example/sandpit <b>not bold</b>"
    start = len("I saw one like it 🚲 outside ".encode())
    link = "https://maps.example/sandpit"
    facets = [
        {
            "index": {"byteStart": start, "byteEnd": start + len(link)},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}],
        }
    ]
    reply = bsky.post(alice, text, reply_to=appeal, facets=facets)
    assert SyncEngine(factory, registry).sync_channel(channel_id).state == "ok"
    with factory() as s:
        item_id = s.scalar(select(Item.id).where(Item.external_id == reply))
    assert item_id is not None

    pane = ConversationPane(ZoneInfo("Europe/London"), open_url=lambda _url: None)
    qtbot.addWidget(pane)
    pane.resize(700, 600)
    pane.show()
    pane.show_conversation(conversation.load(factory, item_id, registry=registry))

    shown = pane.toPlainText()
    assert "Alice Moreau" in shown and "🚲" in shown
    assert "<b>not bold</b>" in shown  # the text is shown inert, as written
    assert f'href="{link}"' in pane.toHtml()
    save_shot(pane, "bluesky-reply-pane.png")
