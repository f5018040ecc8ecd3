"""Work beside a read on a second connection that sees exactly the same data.

The weekly report reads its week's items and works through them in Python for about a second
at a million items; its other figures (escalations, review, workload, risk, welfare) need
none of that and wait on the database. On PostgreSQL they run on a second connection, in a
thread, inside the report's own snapshot (exported, as pg_dump's parallel workers share
theirs): both halves count the same committed rows, and the database's time overlaps the
Python's. SQLite cannot hand a read snapshot to another connection, so there the work runs
on the caller's session, in turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.store.db import SessionFactory

T = TypeVar("T")

# A snapshot's name as PostgreSQL writes it (e.g. 00000003-0000001B-1): SET TRANSACTION
# SNAPSHOT takes no parameter, so the name is checked before it is written into the statement.
_SNAPSHOT = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")
_READ = {"isolation_level": "REPEATABLE READ"}
_pool: ThreadPoolExecutor | None = None


def begin_shared(session: Session) -> str | None:
    """Start `session`'s read in a snapshot others may join; its name (None on SQLite).

    Must come before anything else the session runs: the snapshot is the transaction's."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    session.connection(execution_options=_READ)
    name = str(session.execute(text("SELECT pg_export_snapshot()")).scalar_one())
    if not _SNAPSHOT.fullmatch(name):
        raise ValueError(f"unexpected snapshot name from the server: {name!r}")
    return name


def beside(
    factory: SessionFactory, session: Session, snapshot: str | None, work: Callable[[Session], T]
) -> Callable[[], T]:
    """`work` started now beside the caller (PostgreSQL: in `snapshot`, on its own session in
    a thread); call the result for its value, as often as needed: `work` runs once. On SQLite
    it runs on `session`, when first asked.

    The caller keeps `session`'s transaction open until it has the value: an exported
    snapshot lasts only as long as the transaction that exported it."""
    if snapshot is None:
        done: list[T] = []

        def in_turn() -> T:
            if not done:
                done.append(work(session))
            return done[0]

        return in_turn
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="read-beside")
    return _pool.submit(_in_snapshot, factory, snapshot, work).result


def _in_snapshot(factory: SessionFactory, snapshot: str, work: Callable[[Session], T]) -> T:
    with factory() as side:
        side.connection(execution_options=_READ)
        side.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        return work(side)
