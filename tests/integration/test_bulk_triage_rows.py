"""Bulk triage reads plain rows and writes one UPDATE per set of values (issue 18): the same
stored audit events, versions, conflicts and undo as writing item by item."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Table, select, text

from services.errors import ConflictError
from services.inbox import item_versions, triage, undo
from services.records import audit
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Item, ItemTag, Status
from services.store.models_audit import AuditEvent, AuditHead, Change
from services.workspace.actor import Actor
from services.workspace.unit_of_work import write_transaction
from tests.builders import add_channel, add_item

_STORED = "at, actor_id, action, subject_type, subject_id, before, after, prev_hash, hash, os_login"


def _raw_events(session: Any, after_seq: int) -> list[tuple[Any, ...]]:
    """The audit rows as the database holds them (no type conversion on the way out)."""
    rows = session.execute(
        text(f"SELECT {_STORED} FROM audit_event WHERE seq > :seq ORDER BY seq"), {"seq": after_seq}
    )
    return [tuple(row) for row in rows]


def test_events_are_stored_exactly_as_the_core_insert_stores_them(
    factory: SessionFactory, officer: Actor
) -> None:
    with factory() as s:
        start = s.scalar(select(AuditHead.seq)) or 0
    with write_transaction(factory, officer) as tx:
        tx.audit(AuditAction.ITEM_NOTE, "item", 1, None, {"body": 'Café ✓ "quoted"'})
        shared = {"status": "done", "snoozed_until": None}
        tx.audit(AuditAction.ITEM_STATUS, "item", 2, {"status": "open"}, shared)
        tx.audit(AuditAction.ITEM_STATUS, "item", 3, {"status": "new"}, shared)
        on_the_second = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)  # no microseconds
        tx.audit(AuditAction.ITEM_TAG, "item", 4, {"tags": []}, {"tags": ["x"]}, at=on_the_second)
        tx.audit(AuditAction.DEMO_LOAD, "workspace", None, None, None, actor_id=None)
    with factory() as s:
        written = _raw_events(s, start)
        events = s.scalars(select(AuditEvent).where(AuditEvent.seq > start)).all()
        again = [
            {c: getattr(e, c) for c in (*_STORED.split(", "), "seq")} | {"seq": e.seq + 1000}
            for e in events
        ]
        s.connection().execute(cast(Table, AuditEvent.__table__).insert(), again)
        assert _raw_events(s, start + 1000) == written
        s.rollback()
    assert len(written) == 5
    assert audit.verify_chain(factory).ok


@pytest.fixture
def items(factory: SessionFactory) -> list[int]:
    ch = add_channel(factory)
    return [add_item(factory, ch, f"c{i}", f"comment {i}") for i in range(4)]


def _versions(factory: SessionFactory, ids: list[int]) -> dict[int, int]:
    with factory() as s:
        return dict(s.execute(select(Item.id, Item.version).where(Item.id.in_(ids))).all())


def test_items_with_different_new_values_are_each_written_with_their_own(
    factory: SessionFactory, officer: Actor, items: list[int]
) -> None:
    triage.set_status(factory, officer, items[:2], Status.DONE)
    with factory() as s:
        resolved = {i.id: i.resolved_at for i in s.scalars(select(Item).where(Item.id.in_(items)))}
    seen = _versions(factory, items)

    spam = triage.set_status(factory, officer, items, Status.SPAM)

    with factory() as s:
        now = {i.id: i for i in s.scalars(select(Item).where(Item.id.in_(items)))}
    assert {i.status for i in now.values()} == {Status.SPAM}
    assert [now[i].resolved_at for i in items[:2]] == [resolved[i] for i in items[:2]]
    assert now[items[2]].resolved_at is not None and now[items[2]].resolved_at != resolved[items[0]]
    assert _versions(factory, items) == {i: v + 1 for i, v in seen.items()}
    assert spam.undo is not None
    assert {b.item_id: b.version_after for b in spam.undo.items} == _versions(factory, items)
    undo.undo(factory, officer, spam.undo)
    with factory() as s:
        back = {i.id: i for i in s.scalars(select(Item).where(Item.id.in_(items)))}
    assert [back[i].status for i in items] == [Status.DONE, Status.DONE, Status.NEW, Status.NEW]
    assert [back[i].resolved_at for i in items[:2]] == [resolved[i] for i in items[:2]]


def test_a_bulk_change_of_nothing_writes_no_version_and_no_change_row(
    factory: SessionFactory, officer: Actor, items: list[int]
) -> None:
    triage.tag(factory, officer, items, "complaint")
    seen = _versions(factory, items)
    with factory() as s:
        changes = len(s.scalars(select(Change.id)).all())
    again = triage.tag(factory, officer, items, "complaint")
    assert again.undo is None and not again.item_ids
    assert _versions(factory, items) == seen
    with factory() as s:
        assert len(s.scalars(select(Change.id)).all()) == changes


def test_bulk_untag_and_assign_move_each_version_on_once(
    factory: SessionFactory, officer: Actor, items: list[int]
) -> None:
    triage.tag(factory, officer, items[:3], "complaint")
    seen = _versions(factory, items)
    untagged = triage.untag(factory, officer, items, "complaint")
    assert untagged.item_ids == frozenset(items[:3])
    with factory() as s:
        assert not s.scalars(select(ItemTag.item_id).where(ItemTag.item_id.in_(items))).all()
    assert _versions(factory, items) == {i: v + (i in items[:3]) for i, v in seen.items()}
    assigned = triage.assign(factory, officer, items, officer.name)
    assert assigned.undo is not None and len(assigned.undo.items) == 4
    with factory() as s:
        rows = s.execute(select(Item.assignee_id, Item.status).where(Item.id.in_(items))).all()
    assert set(rows) == {(officer.id, Status.OPEN)}


def test_an_assign_racing_another_writer_is_a_conflict_not_an_overwrite(
    factory: SessionFactory, officer: Actor, items: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version guard on the write itself (SQLite cannot race: see the PostgreSQL twin)."""
    real = item_versions.write_versions

    def someone_else_wrote_first(
        tx: Any, updates: list[tuple[int, int, dict[str, Any]]]
    ) -> dict[int, int]:
        stale = [(i, v - 1 if i == items[1] else v, values) for i, v, values in updates]
        return real(tx, stale)

    monkeypatch.setattr(triage, "write_versions", someone_else_wrote_first)
    with pytest.raises(ConflictError, match=f"#{items[1]} was changed"):
        triage.assign(factory, officer, items, officer.name)
    with factory() as s:
        assert set(s.scalars(select(Item.assignee_id).where(Item.id.in_(items)))) == {None}


def test_a_bulk_undo_restores_every_item_with_one_event_each_and_moves_versions_on(
    factory: SessionFactory, officer: Actor, items: list[int]
) -> None:
    triage.tag(factory, officer, [items[0]], "x")
    tagged = triage.tag(factory, officer, items, "x")
    assert tagged.undo is not None and [b.item_id for b in tagged.undo.items] == items[1:]
    seen = _versions(factory, items)
    undo.undo(factory, officer, tagged.undo)
    with factory() as s:
        assert s.scalars(select(ItemTag.item_id).where(ItemTag.item_id.in_(items))).all() == [
            items[0]
        ]
        for item_id in items[1:]:
            last = audit.item_trail(s, item_id)[-1]
            assert (last.action, last.after) == ("item.untag", {"tags": [], "undo": True})
    assert _versions(factory, items) == {i: v + (i != items[0]) for i, v in seen.items()}

    untagged = triage.untag(factory, officer, items, "x")
    assert untagged.undo is not None
    undo.undo(factory, officer, untagged.undo)
    with factory() as s:
        assert s.scalars(select(ItemTag.item_id).where(ItemTag.item_id.in_(items))).all() == [
            items[0]
        ]
        last = audit.item_trail(s, items[0])[-1]
    assert (last.action, last.after) == ("item.tag", {"tags": ["x"], "undo": True})
    assert audit.verify_chain(factory).ok
