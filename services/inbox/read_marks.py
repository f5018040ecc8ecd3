"""Read state per person: one officer opening an item does not make it read for the team.

The team's status (new → open on first opening, services/inbox/triage.py) is a separate,
shared fact; this module answers "is it unread for *this* person?" for the list's
unread dot and weight and for `is:unread` (one definition, `unread_condition`).

Unread for a person: they have not opened it. (Upgrading to read marks, migration
0009 marks what each existing user saw as read then: every item not new.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from services.store.db import SessionFactory
from services.store.models import Item
from services.store.models_inbox import ReadMark


def mark(session: Session, user_id: int, item_id: int, now: datetime) -> None:
    """Record that `user_id` opened `item_id` (once; a second desktop racing us is harmless)."""
    row = {"user_id": user_id, "item_id": item_id, "read_at": now}
    keys = ["user_id", "item_id"]
    # Each dialect's insert is imported here, on its own database: the other dialect would
    # cost every start its import (PostgreSQL's 33 ms on SQLite, SQLite's 5-7 ms the other way).
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        session.execute(
            postgresql_insert(ReadMark).values(row).on_conflict_do_nothing(index_elements=keys)
        )
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(
            sqlite_insert(ReadMark).values(row).on_conflict_do_nothing(index_elements=keys)
        )


def unread_among(factory: SessionFactory, user_id: int, item_ids: Sequence[int]) -> set[int]:
    """Which of `item_ids` are unread for this person (one indexed query per page of the list)."""
    if not item_ids:
        return set()
    with factory() as session:
        found = session.scalars(
            select(Item.id).where(Item.id.in_(list(item_ids)), unread_condition(user_id))
        )
        return set(found)


def unread_condition(user_id: int) -> ColumnElement[bool]:
    """`is:unread` for one person; see the module docstring."""
    return ~exists().where(ReadMark.user_id == user_id, ReadMark.item_id == Item.id)
