"""Opening a database written by an older release: a copy first, then the upgrade; and versions."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from console.context import open_context
from services.release import schema_head, version_text
from services.store.db import MIGRATIONS, head_revision, make_engine

ROOT = Path(__file__).resolve().parents[2]


def _previous_revision() -> str:
    revision = ScriptDirectory(str(MIGRATIONS)).get_revision(head_revision())
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


def _older_database(path: Path, revision: str) -> None:
    engine = make_engine(str(path))
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    command.upgrade(cfg, revision)
    engine.dispose()


def _revision_in(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        (found,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(found)


def test_an_older_sqlite_database_is_copied_beside_itself_before_the_upgrade(
    tmp_path: Path,
) -> None:
    previous = _previous_revision()
    db = tmp_path / "force.db"
    _older_database(db, previous)

    open_context(str(db)).close()

    copy = tmp_path / f"force.db.schema-{previous}.bak"
    assert copy.exists()
    assert _revision_in(copy) == previous  # the copy is what the older release can open
    assert _revision_in(db) == head_revision()
    open_context(str(db)).close()  # already current: no second copy
    assert sorted(p.name for p in tmp_path.glob("*.bak")) == [copy.name]


def test_a_new_database_gets_no_copy(tmp_path: Path) -> None:
    open_context(str(tmp_path / "new.db")).close()
    assert not list(tmp_path.glob("*.bak"))


def test_version_names_the_release_and_the_schema_it_writes() -> None:
    assert schema_head() == head_revision()
    done = subprocess.run(
        [sys.executable, "-m", "console", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert done.stdout.strip() == version_text()
    assert f"(database schema {head_revision()})" in done.stdout
