"""The weekly report's side figures are read beside its items (services/store/snapshots.py):
on PostgreSQL on a second connection in the report's own snapshot, so a change committed while
the report runs is in neither half or in both, never in one."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.store import snapshots
from services.store.db import SessionFactory, make_engine, make_session_factory
from services.store.models import Channel
from tests.builders import add_channel


def _channels(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(Channel)) or 0)


def test_work_beside_a_read_runs_once_and_sees_the_same_rows(factory: SessionFactory) -> None:
    add_channel(factory, "Blog")
    runs: list[int] = []

    def count(s: Session) -> int:
        runs.append(1)
        return _channels(s)

    with factory() as s:
        shared = snapshots.begin_shared(s)
        beside = snapshots.beside(factory, s, shared, count)
        assert _channels(s) == 1
        assert beside() == 1 and beside() == 1
    assert len(runs) == 1


def test_a_change_committed_mid_report_is_seen_by_neither_half(pg_database: str) -> None:
    engine = make_engine(pg_database)
    factory = make_session_factory(engine)
    try:
        tag = uuid.uuid4().hex[:8]
        add_channel(factory, f"Blog {tag}")
        with factory() as s:
            shared = snapshots.begin_shared(s)
            assert shared is not None
            add_channel(factory, f"Forum {tag}")  # committed after the report's snapshot was taken
            beside = snapshots.beside(factory, s, shared, _channels)
            seen = _channels(s)
            assert beside() == seen
        with factory() as later:
            assert _channels(later) == seen + 1
    finally:
        engine.dispose()
