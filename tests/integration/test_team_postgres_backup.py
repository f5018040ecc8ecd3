"""Backup and restore on both databases: the copy opens, holds everything, and its audit verifies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from services import demo
from services.errors import InvalidInput
from services.records import audit
from services.store import backup
from services.store.db import SessionFactory, make_engine, make_session_factory
from services.store.models import Item
from services.store.models_audit import AuditEvent
from services.workspace.actor import Actor
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def empty_target(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """A new SQLite file, or a new PostgreSQL database, to restore into."""
    if engine.dialect.name == "sqlite":
        yield str(tmp_path / "restored.db")
        return
    name = f"fc_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _counts(factory: SessionFactory) -> tuple[int, int]:
    with factory() as s:
        return (
            int(s.scalar(select(func.count()).select_from(Item)) or 0),
            int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0),
        )


def test_backup_restore_and_the_audit_chain_verifies(
    engine: Engine, factory: SessionFactory, admin: Actor, empty_target: str, tmp_path: Path
) -> None:
    demo.load(factory)
    out = backup.backup(engine, tmp_path / "backup" / "front-counter.bak")
    assert out.bytes > 0
    with pytest.raises(InvalidInput, match="never overwrites"):
        backup.backup(engine, out.path)

    target = make_engine(empty_target)
    backup.restore(target, out.path)
    restored = make_session_factory(target)
    assert audit.verify_chain(restored).ok
    assert _counts(restored) == _counts(factory)
    # A restore never goes over a database that holds something.
    with pytest.raises(InvalidInput, match="not empty"):
        backup.restore(target, out.path)
    target.dispose()


def test_the_sqlite_backup_is_one_self_contained_file(sqlite_url: str, tmp_path: Path) -> None:
    from services.store.db import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    out = backup.backup(engine, tmp_path / "copy.db")
    engine.dispose()
    assert not Path(str(out.path) + "-wal").exists()
    copy = make_engine(str(out.path))
    assert audit.verify_chain(make_session_factory(copy)).ok
    copy.dispose()
