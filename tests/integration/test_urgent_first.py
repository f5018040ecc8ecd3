"""Urgent items lead every view, above the newest-first order (issue 11)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from services.inbox import listing as inbox
from services.inbox import triage
from services.store.db import SessionFactory
from services.store.models import Item, utcnow
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item


def _flag_urgent(factory: SessionFactory, item_id: int) -> None:
    with factory.begin() as s:
        s.execute(update(Item).where(Item.id == item_id).values(risk_level="urgent"))


def _items(factory: SessionFactory, officer: Actor) -> tuple[int, int, list[int]]:
    """Ten bicycle reports an hour apart, all tagged; the oldest and the fourth flagged urgent."""
    ch = add_channel(factory)
    t0 = utcnow() - timedelta(days=1)
    ids = [
        add_item(
            factory, ch, f"u{i}", f"my bicycle was taken {i}", received_at=t0 + timedelta(hours=i)
        )
        for i in range(10)
    ]
    triage.tag(factory, officer, ids, "theft")
    _flag_urgent(factory, ids[0])
    _flag_urgent(factory, ids[3])
    return ids[0], ids[3], ids


def test_an_urgent_item_leads_the_inbox_a_tag_view_and_a_search(
    factory: SessionFactory, officer: Actor
) -> None:
    oldest, older, ids = _items(factory, officer)
    expected = [older, oldest, *[i for i in reversed(ids) if i not in (oldest, older)]]
    for text in ("is:inbox", "tag:theft", "bicycle"):
        query = inbox.Query(text, officer.id)
        page = inbox.first_page(factory, query, 5)
        assert [r.id for r in page] == expected[:5], text
        assert [r.risk for r in page[:2]] == ["urgent", "urgent"]
        assert list(inbox.item_ids(factory, query)) == expected, text


def test_pages_cross_from_urgent_to_the_rest_without_losing_or_repeating_an_item(
    factory: SessionFactory, officer: Actor
) -> None:
    oldest, older, ids = _items(factory, officer)
    seen: list[int] = []
    after = None
    while page := inbox.first_page(factory, inbox.Query("is:inbox"), limit=3, after=after):
        seen.extend(r.id for r in page)
        after = inbox.page_key(page[-1])
    assert seen == list(inbox.item_ids(factory, inbox.Query("is:inbox")))
    assert seen[:2] == [older, oldest] and sorted(seen) == sorted(ids)
