"""Idempotent ingest, sanitised storage, and the demo workspace."""

from __future__ import annotations

from sqlalchemy import func, select

from services import demo
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.ingest import upsert
from services.channels.protocol import Registry
from services.inbox import conversation
from services.inbox import listing as inbox
from services.records.audit import verify_chain
from services.store.db import SessionFactory
from services.store.models import Item, ItemKind, utcnow
from services.workspace.unit_of_work import write_transaction
from tests.builders import add_channel

HOSTILE = (
    '<p>Hi<script>alert(1)</script><img src="https://tracker.example/p.gif" onerror="alert(2)">'
    '<a href="javascript:alert(3)">click</a> <a href="https://evil.example/x">https://police.uk</a></p>'
)


def _incoming(ext: str, html: str) -> Incoming:
    return Incoming(
        ext,
        ItemKind.COMMENT,
        utcnow(),
        Author("a1", "Alex"),
        ThreadRef("p1", "Post"),
        body_html=html,
    )


def test_upsert_is_idempotent_and_applies_edits(factory: SessionFactory) -> None:
    ch = add_channel(factory)
    for _ in range(2):
        with write_transaction(factory, None) as tx:
            upsert(
                tx.session, ch, [_incoming("1", "<p>one</p>"), _incoming("2", "<p>two</p>")], tx.now
            )
    with write_transaction(factory, None) as tx:
        result = upsert(tx.session, ch, [_incoming("1", "<p>one, edited</p>")], tx.now)
    assert result.inserted == [] and len(result.updated) == 1
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Item)) == 2
        assert s.scalar(select(Item.body_text).where(Item.external_id == "1")) == "one, edited"


def test_hostile_html_is_stored_inert(factory: SessionFactory, registry: Registry) -> None:
    ch = add_channel(factory)
    with write_transaction(factory, None) as tx:
        item_id = upsert(tx.session, ch, [_incoming("h", HOSTILE)], tx.now).inserted[0]
    shown = conversation.load(factory, item_id, registry=registry).item.body_html
    for bad in ("<script", "alert(", "onerror", "<img", "javascript:", "tracker.example"):
        assert bad not in shown
    assert "[evil.example]" in shown  # the link's real target is visible beside its words


def test_demo_loads_once_and_fills_every_view(factory: SessionFactory) -> None:
    first = demo.load(factory)
    second = demo.load(factory)
    assert first.loaded and first.items >= 40 and not second.loaded
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Item)) == first.items
    for view in (
        "is:inbox",
        "is:escalated",
        "is:snoozed",
        "status:done",
        "status:spam",
        "is:unanswered",
        "tag:complaint",
        "channel:mastodon",
        "channel:bluesky",
        "channel:facebook",
        "channel:feed",
        "channel:email",
        "kind-free word: letter",
    ):
        query = view.replace("kind-free word: ", "")
        assert inbox.count(factory, inbox.Query(query)) > 0, view
    assert verify_chain(factory).ok
