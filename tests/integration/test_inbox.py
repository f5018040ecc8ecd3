"""Reading the inbox: keyset pages, id lists and display rows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.inbox import item_rows, triage, view_counts
from services.inbox import listing as inbox
from services.store.db import SessionFactory
from services.store.models import utcnow
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item


def test_keyset_pages_cover_everything_once_newest_first(factory: SessionFactory) -> None:
    ch = add_channel(factory)
    t0 = utcnow() - timedelta(days=1)
    # Equal timestamps in pairs: the id breaks the tie, so no row is skipped or repeated.
    ids = [
        add_item(factory, ch, f"k{i}", f"text {i}", received_at=t0 + timedelta(minutes=i // 2))
        for i in range(25)
    ]
    seen: list[int] = []
    after = None
    while True:
        page = inbox.first_page(factory, inbox.Query(), limit=7, after=after)
        if not page:
            break
        seen.extend(r.id for r in page)
        after = inbox.page_key(page[-1])
    assert seen == list(inbox.item_ids(factory, inbox.Query()))
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 25
    assert seen[0] in ids[-2:]


def test_rows_keep_the_requested_order_and_carry_display_fields(
    factory: SessionFactory, officer: Actor
) -> None:
    ch = add_channel(factory, "Facebook page", "facebook")
    a = add_item(factory, ch, "a", "first  message\nwith   spaces", author="Kelly Marsh")
    b = add_item(factory, ch, "b", "second")
    triage.tag(factory, officer, [a], "question")
    triage.assign(factory, officer, [a], "dan")
    rows = item_rows.rows(factory, [b, a, 12345])
    assert [r.id for r in rows] == [b, a]
    row = rows[1]
    assert (row.channel_name, row.author, row.snippet) == (
        "Facebook page",
        "Kelly Marsh",
        "first message with spaces",
    )
    assert (row.tags, row.assignee, row.status) == (("question",), "dan", "open")


def test_view_counts(factory: SessionFactory, officer: Actor) -> None:
    ch = add_channel(factory)
    ids = [add_item(factory, ch, f"v{i}") for i in range(4)]
    triage.assign(factory, officer, ids[:2], "dan")
    counts = view_counts.view_counts(factory, officer.id)
    assert (counts.inbox, counts.mine, counts.unread) == (4, 2, 2)


def test_probed_first_pages_equal_the_plain_plan(
    factory: SessionFactory, officer: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.inbox import listing as inbox_module
    from services.inbox import search_plan

    # Tiny thresholds make a small workspace take the probing paths (whole index, bounded window).
    monkeypatch.setattr(search_plan, "BROAD_MATCHES", 2)
    monkeypatch.setattr(search_plan, "PROBE_WINDOW", 12)
    ch = add_channel(factory)
    t0 = utcnow() - timedelta(days=2)
    ids = []
    for i in range(30):
        words = "school letter" if i % 3 else "letter only"
        ids.append(
            add_item(
                factory, ch, f"w{i}", f"{words} number {i}", received_at=t0 + timedelta(minutes=i)
            )
        )
    triage.tag(factory, officer, ids[::4], "complaint")
    triage.tag(factory, officer, ids[:3], "rare")
    probed: list[str] = []
    real = inbox_module._probed_first_page

    def spy(session, plan, limit, keyset, phase):  # type: ignore[no-untyped-def]
        found = real(session, plan, limit, keyset, phase)
        if found is not None:
            probed.append(plan.query.text)
        return found

    monkeypatch.setattr(inbox_module, "_probed_first_page", spy)
    for query in (
        "letter",
        "school",
        "tag:complaint letter",
        "tag:complaint school",
        "tag:rare letter",
        "tag:complaint letter -school",
        "from:reader",
        "from:nobody",
        "letter -school -only",
    ):
        expected = list(inbox.item_ids(factory, inbox.Query(query)))
        page = inbox.first_page(factory, inbox.Query(query), limit=3)
        assert [r.id for r in page] == expected[:3], query
        nxt = (
            inbox.first_page(factory, inbox.Query(query), limit=3, after=inbox.page_key(page[-1]))
            if page
            else []
        )
        assert [r.id for r in nxt] == expected[3:6], query
    with factory() as s:
        sqlite = s.get_bind().dialect.name == "sqlite"
    # On SQLite both probing paths were taken (PostgreSQL always uses its plain plan).
    probed_on_sqlite = {"letter", "school", "tag:complaint letter", "from:reader"}
    assert (probed_on_sqlite <= set(probed)) if sqlite else not probed
