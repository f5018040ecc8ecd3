"""Bulk triage writes many rows at once, and still never overwrites a change made meanwhile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from sqlalchemy import select, update

from services.errors import ConflictError
from services.inbox import item_versions, triage
from services.store.db import SessionFactory, make_engine
from services.store.models import Item, Status
from services.workspace.actor import Actor
from services.workspace.unit_of_work import Transaction
from tests.builders import add_channel, add_item


def test_a_change_made_between_reading_and_writing_is_a_conflict(
    factory: SessionFactory, officer: Actor, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with factory() as s:
        if s.get_bind().dialect.name == "sqlite":
            pytest.skip("SQLite holds the write lock from a write transaction's first statement")
    ch = add_channel(factory)
    ids = [add_item(factory, ch, f"c{i}") for i in range(3)]
    real = item_versions.load_items
    other = make_engine(db_url)

    def someone_else_writes_after_the_read(
        tx: Transaction,
        item_ids: Sequence[int],
        expected: Mapping[int, int] | None,
        *,
        slim: bool = False,
    ) -> list[Item]:
        items = real(tx, item_ids, expected, slim=slim)
        with other.begin() as conn:  # another desktop, committing first
            conn.execute(
                update(Item).where(Item.id == ids[1]).values(version=Item.version + 1, priority=5)
            )
        return items

    monkeypatch.setattr(triage, "load_items", someone_else_writes_after_the_read)
    try:
        with pytest.raises(ConflictError, match=f"#{ids[1]} was changed"):
            triage.set_status(factory, officer, ids, Status.DONE)
    finally:
        other.dispose()
    with factory() as s:
        statuses = set(s.scalars(select(Item.status).where(Item.id.in_(ids))))
    assert statuses == {Status.NEW}  # nothing of the bulk change was kept
