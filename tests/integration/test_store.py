"""The schema: migrations on both databases, SQLite pragmas, refusing a newer database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text

from services.errors import KnownError
from services.store.db import current_revision, head_revision, make_engine, upgrade


def test_upgrade_reaches_head_and_is_repeatable(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    upgrade(engine)  # a second run changes nothing and does not fail
    tables = set(inspect(engine).get_table_names())
    assert {
        "item",
        "channel",
        "contact",
        "thread",
        "tag",
        "note",
        "escalation",
        "reply",
        "saved_reply",
        "user_account",
        "audit_event",
        "change",
    } <= tables


def test_item_indexes_for_inbox_queries_exist(engine: Engine) -> None:
    names = {ix["name"] for ix in inspect(engine).get_indexes("item")}
    assert {"ix_item_inbox", "ix_item_assignee", "ix_item_channel", "ix_item_received"} <= names
    tag_ix = {ix["name"] for ix in inspect(engine).get_indexes("item_tag")}
    assert "ix_item_tag_tag" in tag_ix


def test_database_from_a_newer_release_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe9999'"))
    with pytest.raises(KnownError, match="newer Front Counter"):
        upgrade(engine)


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_postgresql_sessions_read_utc_and_never_jit_compile(pg_database: str) -> None:
    """Times come back in UTC; JIT compiling cost 30-50 ms on statements that ran in 40."""
    engine = make_engine(pg_database)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW TIME ZONE").scalar() == "UTC"
        assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
    engine.dispose()


def test_empty_sqlite_file_is_created_and_upgraded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sub" / "dir" / "fc.db"
    engine = make_engine(str(path))
    before, head = upgrade(engine)
    assert before is None and head == head_revision() and path.exists()
    engine.dispose()


def test_an_older_database_is_upgraded_on_start_with_its_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from console.context import open_context
    from services.store.db import _alembic_config

    path = tmp_path / "old.db"
    engine = make_engine(str(path))
    command.upgrade(_alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO channel (name, kind, config, enabled, poll_seconds, state, cursor, "
                "created_at) VALUES ('Old blog', 'wordpress', '{}', 1, 300, 'ok', '{}', "
                "'2026-01-01 00:00:00')"
            )
        )
    engine.dispose()
    ctx = open_context(str(path))
    try:
        assert current_revision(ctx.engine) == head_revision()
        with ctx.engine.connect() as conn:
            assert conn.execute(text("SELECT name, next_poll_at FROM channel")).all() == [
                ("Old blog", None)
            ]
    finally:
        ctx.close()
