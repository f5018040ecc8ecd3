"""Opening a team (PostgreSQL) database of an older release: pg_dump first, then the upgrade."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from console.context import open_context
from services.store import backup
from services.store.db import MIGRATIONS, head_revision, make_engine
from tests.conftest import PG_ADMIN_URL


def _new_database() -> Iterator[str]:
    name = f"fc_upgrade_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here
        pytest.skip(f"PostgreSQL unavailable: {str(exc).splitlines()[0]}")
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def older_team_db() -> Iterator[str]:
    yield from _new_database()


@pytest.fixture
def restore_target() -> Iterator[str]:
    yield from _new_database()


def _previous_revision() -> str:
    revision = ScriptDirectory(str(MIGRATIONS)).get_revision(head_revision())
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


def _revision(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.scalar(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()


def test_an_older_team_database_is_dumped_before_the_upgrade(
    older_team_db: str, restore_target: str
) -> None:
    previous = _previous_revision()
    engine = make_engine(older_team_db)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    command.upgrade(cfg, previous)
    engine.dispose()

    open_context(older_team_db).close()  # what the first desktop of the new release does

    folder = Path(os.environ["XDG_DATA_HOME"]) / "front-counter" / "backups"
    dumps = sorted(folder.glob(f"{make_url(older_team_db).database}.schema-{previous}-*.dump"))
    assert len(dumps) == 1
    assert dumps[0].read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format, as `db backup` writes
    assert _revision(older_team_db) == head_revision()

    # The dump is the database as the older release left it: `db restore` brings it back.
    target = make_engine(restore_target)
    backup.restore(target, dumps[0])
    target.dispose()
    assert _revision(restore_target) == previous

    open_context(older_team_db).close()  # already current: no second dump
    assert len(list(folder.glob("*.dump"))) == 1
