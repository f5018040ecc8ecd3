"""Bulk triage writes many rows at once, and still never overwrites a change made meanwhile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from sqlalchemy import select, update

from services.errors import ConflictError
from services.inbox import item_versions, triage
from services.store.db import SessionFactory, make_engine
from services.store.models import Item, ItemTag, Status
from services.workspace.actor import Actor
from services.workspace.unit_of_work import Transaction
from tests.builders import add_channel, add_item


@pytest.mark.parametrize("action", ["status", "tag", "assign"])
def test_a_change_made_between_reading_and_writing_is_a_conflict(
    factory: SessionFactory,
    officer: Actor,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
) -> None:
    with factory() as s:
        if s.get_bind().dialect.name == "sqlite":
            pytest.skip("SQLite holds the write lock from a write transaction's first statement")
    ch = add_channel(factory)
    ids = [add_item(factory, ch, f"c{i}") for i in range(3)]
    other = make_engine(db_url)

    def someone_else_writes() -> None:
        with other.begin() as conn:  # another desktop, committing first
            conn.execute(
                update(Item).where(Item.id == ids[1]).values(version=Item.version + 1, priority=5)
            )

    def states_then_a_write(
        tx: Transaction, item_ids: Sequence[int], expected: Mapping[int, int] | None
    ) -> list[item_versions.ItemState]:
        items = item_versions.load_states(tx, item_ids, expected)
        someone_else_writes()
        return items

    def versions_then_a_write(
        tx: Transaction, item_ids: Sequence[int], expected: Mapping[int, int] | None
    ) -> dict[int, int]:
        read = item_versions.load_versions(tx, item_ids, expected)
        someone_else_writes()
        return read

    monkeypatch.setattr(triage, "load_states", states_then_a_write)
    monkeypatch.setattr(triage, "load_versions", versions_then_a_write)
    try:
        with pytest.raises(ConflictError, match=f"#{ids[1]} was changed"):
            if action == "status":
                triage.set_status(factory, officer, ids, Status.DONE)
            elif action == "tag":
                triage.tag(factory, officer, ids, "complaint")
            else:
                triage.assign(factory, officer, ids, officer.name)
    finally:
        other.dispose()
    with factory() as s:
        rows = set(s.execute(select(Item.status, Item.assignee_id).where(Item.id.in_(ids))))
        tagged = s.scalars(select(ItemTag.item_id).where(ItemTag.item_id.in_(ids))).all()
    assert rows == {(Status.NEW, None)} and not tagged  # nothing of the bulk change was kept
