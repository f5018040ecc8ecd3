"""New rows in bulk, their ids given before the insert: SQLite's next ids, PostgreSQL's sequence.

Every row names every column the insert writes, defaults included: SQLite's rows go to the
driver as they are (services/workspace/bulk_insert.py), with no column default filled in.

Split from services/channels/ingest.py, which decides what each row holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from services.store.models import Item
from services.workspace import bulk_insert


def insert_items(session: Session, rows: list[dict[str, Any]]) -> None:
    """The batch's new items in one statement, their ids written into `rows`.

    Rows, not ORM objects: building and flushing an Item per comment was a third of ingest.
    """
    insert_rows(session, cast(Table, Item.__table__), rows)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Rows that all name the same columns, in one statement; their new ids written into them.

    Ids are given before the insert: SQLite's next ones (`next_ids`), PostgreSQL's from the
    table's sequence (`sequence_ids`), so no RETURNING is needed.
    """
    if not rows:
        return
    if session.get_bind().dialect.name == "sqlite":
        ids: Sequence[int] = next_ids(session, table, len(rows))
    else:
        ids = sequence_ids(session, table, len(rows))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    # Straight to the driver, each value bound by its column's type: SQLite's executemany of
    # tuples, PostgreSQL's COPY (Core's per-row parameter building cost more than either).
    bulk_insert.insert_rows(session.connection(), table, rows)


def sequence_ids(session: Session, table: Table, n: int) -> list[int]:
    """PostgreSQL: `n` new ids from the table's id sequence, ascending, as its inserts take them."""
    sequence = func.pg_get_serial_sequence(table.name, table.c.id.name)
    ids = select(func.nextval(sequence)).select_from(func.generate_series(1, n))
    return sorted(session.connection().scalars(ids))


def next_ids(session: Session, table: Table, n: int) -> range:
    """SQLite: the ids it would give the next `n` rows.

    SQLite cannot say which id a multi-row INSERT gave which row. Every ingest runs in a
    write transaction (services.workspace.unit_of_work.write_transaction), which holds
    SQLite's write lock from its first statement: the ids after the largest are ours,
    exactly as SQLite would have chosen them.
    """
    largest = session.connection().scalar(select(func.max(table.c.id))) or 0
    return range(largest + 1, largest + n + 1)
