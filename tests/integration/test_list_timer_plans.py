"""The list's SLA timers read a page's history by the page's own rows, whatever the workspace's size.

At a million items without planner statistics, SQLite read every status event ever recorded
(the (action, at) index) for each Inbox page, and a prolific poster's whole history (the
contact index) for each search page: 0.3–0.5 s a page. SQLite's choice without statistics
does not depend on the table's size, so the plans are checked on a small workspace.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from services.desk import sla_facts
from services.desk.sla_facts import Place
from services.inbox import listing, search_plan
from services.records import welfare
from services.records.welfare import revealed
from services.store.db import make_engine, make_session_factory
from services.store.models import Item, utcnow
from tests.builders import add_channel, add_item


@contextmanager
def _statements(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    seen: list[tuple[str, object]] = []

    def record(
        conn: object, cur: object, stmt: str, params: object, ctx: object, many: bool
    ) -> None:
        if stmt.lstrip().upper().startswith("SELECT"):
            seen.append((stmt, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _plans(engine: Engine, statements: list[tuple[str, object]]) -> list[str]:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        return [
            " / ".join(str(row[3]) for row in raw.execute("EXPLAIN QUERY PLAN " + sql, params))
            for sql, params in statements
        ]


def test_pauses_and_reveals_are_read_by_the_pages_items(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    channel = add_channel(factory)
    ids = [add_item(factory, channel, f"c{n}") for n in range(3)]
    with _statements(engine) as seen, factory() as s:
        sla_facts.pauses_of(s, ids, utcnow())
        revealed(s, 1, ids)
    plans = _plans(engine, seen)
    audit = [p for p in plans if "audit_event" in p]
    assert len(audit) == 2, plans
    for plan in audit:
        assert "ix_audit_subject" in plan, plan
        assert "ix_audit_action_at" not in plan, plan


def test_a_pages_threads_are_read_along_the_thread_index(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    channel = add_channel(factory)
    ids = [
        add_item(factory, channel, f"c{n}", author=f"Person {n % 3}", thread=f"post-{n}")
        for n in range(8)
    ]
    with factory() as s:
        rows = s.execute(
            select(Item.id, Item.thread_id, Item.contact_id, Item.status).where(Item.id.in_(ids))
        ).all()
    places = [Place(i, t, c, str(st)) for i, t, c, st in rows]
    with _statements(engine) as seen, factory() as s:
        sla_facts.threads_of(s, places, utcnow() + timedelta(minutes=1))
    plans = [p for p in _plans(engine, seen) if "item" in p]
    assert plans, "threads_of read nothing"
    for plan in plans:
        assert "ix_item_contact" not in plan, plan
    assert any("ix_item_thread" in p for p in plans), plans


def test_the_veil_reads_only_flagged_items(sqlite_url: str) -> None:
    """Which items a person sees veiled is asked as every window starts and after changes:
    without statistics, `risk_level IS NOT NULL` scanned every item (350 ms at a million)."""
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    channel = add_channel(factory)
    for n in range(3):
        add_item(factory, channel, f"c{n}")
    with _statements(engine) as seen:
        welfare.veiled_for(factory, 1)
    plans = [p for p in _plans(engine, seen) if " item" in p or p.startswith("SCAN item")]
    assert plans, "veiled_for read no item"
    for plan in plans:
        assert "SCAN item" not in plan.replace("SCAN item_", ""), plan
    assert any("ix_item_risk" in p for p in plans), plans


def test_a_search_by_author_lists_its_ids_from_the_date_index_alone(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`from:a` matched 804,000 of a million items: reading each row for its contact made
    the full id list take 1 s; the date index carries the contact (migration 0019)."""
    monkeypatch.setattr(search_plan, "MANY_AUTHORS", 1)  # two people are "many" here
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    channel = add_channel(factory)
    for n in range(4):
        add_item(factory, channel, f"c{n}", author=f"Person {n % 2}")
    query = listing.Query("from:person", None, ZoneInfo("Europe/London"))
    with _statements(engine) as seen:
        ids = listing.item_ids(factory, query)
    assert len(ids) == 4
    plans = [p for p in _plans(engine, seen) if "SCAN item" in p]
    assert plans, "item_ids walked no index"
    for plan in plans:
        assert "COVERING INDEX ix_item_received" in plan, plan


def test_is_risk_reads_only_flagged_items(sqlite_url: str) -> None:
    """`is:risk` scanned every item without statistics (0.5 s at a million) for the few flagged."""
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    channel = add_channel(factory)
    for n in range(3):
        add_item(factory, channel, f"c{n}")
    query = listing.Query("is:risk", None, ZoneInfo("Europe/London"))
    with _statements(engine) as seen:
        assert len(listing.item_ids(factory, query)) == 0
        assert listing.first_page(factory, search_plan.plan(query), 100) == []
    plans = [p for p in _plans(engine, seen) if "item" in p]
    assert plans, "nothing read"
    for plan in plans:
        assert "SCAN item" not in plan.replace("SCAN item_", ""), plan
