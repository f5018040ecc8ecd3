"""The schema check every command and the desktop start with: cheap when nothing is to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from services.store.db import (
    head_revision,
    make_engine,
    make_session_factory,
    newest_migration,
    upgrade,
)
from tests.builders import add_channel

PROBE = """
import sys
from services.store.db import make_engine, upgrade
print(upgrade(make_engine(sys.argv[1])), "alembic" in sys.modules)
"""


def test_the_newest_migration_file_names_alembics_head() -> None:
    assert newest_migration() == head_revision()


def test_an_up_to_date_database_opens_without_loading_alembic(db_url: str) -> None:
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", PROBE, db_url],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        timeout=60,
    ).stdout.split()
    head = head_revision()
    assert out == [f"('{head}',", f"'{head}')", "False"]


def test_postgresql_statistics_are_gathered_once_for_a_bulk_loaded_table(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        if engine.dialect.name != "postgresql":
            pytest.skip("SQLite refreshes its statistics with PRAGMA optimize as it closes")
        channel = add_channel(make_session_factory(engine))
        with engine.begin() as conn:  # a bulk load, as a restore or an import makes one
            conn.execute(
                text(
                    "INSERT INTO contact (channel_id, external_id, display_name, first_seen_at)"
                    " SELECT :ch, 'c' || n, 'Person ' || n, now() FROM generate_series(1, 60000) n"
                ),
                {"ch": channel},
            )

        def analysed() -> bool:
            with engine.connect() as conn:
                found = conn.execute(text("SELECT 1 FROM pg_stats WHERE tablename = 'contact'"))
                return found.first() is not None

        assert not analysed()
        upgrade(engine)  # what every start does
        assert analysed()
    finally:
        engine.dispose()
