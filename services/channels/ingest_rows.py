"""New rows in bulk: ids given before the insert on SQLite, returned in order by PostgreSQL.

Split from services/channels/ingest.py, which decides what each row holds.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from services.store.models import Item


def insert_items(session: Session, rows: list[dict[str, Any]]) -> None:
    """The batch's new items in one statement, their ids written into `rows`.

    Rows, not ORM objects: building and flushing an Item per comment was a third of ingest.
    """
    insert_rows(session, cast(Table, Item.__table__), rows)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Rows that all name the same columns, in one statement; their new ids written into them.

    SQLite's ids are given before the insert (`next_ids`); PostgreSQL returns them in order.
    """
    if not rows:
        return
    if session.get_bind().dialect.name == "sqlite":
        for row, new_id in zip(rows, next_ids(session, table, len(rows)), strict=True):
            row["id"] = new_id
        session.execute(insert(table), rows)
        return
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for row, new_id in zip(rows, session.execute(stmt, rows).scalars(), strict=True):
        row["id"] = new_id


def next_ids(session: Session, table: Table, n: int) -> range:
    """SQLite: the ids it would give the next `n` rows.

    SQLite cannot say which id a multi-row INSERT gave which row. Every ingest runs in a
    write transaction (services.workspace.unit_of_work.write_transaction), which holds
    SQLite's write lock from its first statement: the ids after the largest are ours,
    exactly as SQLite would have chosen them.
    """
    with session.no_autoflush:
        largest = session.scalar(select(func.max(table.c.id))) or 0
    return range(largest + 1, largest + n + 1)
