"""Upgrading a database written by an earlier release keeps what it holds working."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from services.inbox import listing as inbox
from services.store.db import _alembic_config, make_engine, make_session_factory, upgrade
from tests.builders import add_channel, add_item

OLD_ITEM = (
    "INSERT INTO item (channel_id, external_id, direction, kind, body_text, created_at,"
    " received_at, source_state, status, priority, needs_reply, version) VALUES"
    " (1, 'old-1', 'inbound', 'comment', 'a letter about parking', '2026-01-02 10:00:00',"
    " '2026-01-02 10:05:00', 'published', 'open', 0, 1, 1)"
)


def test_full_text_search_survives_every_upgrade_from_the_first_release(tmp_path: Path) -> None:
    """Rebuilding `item` in a migration (SQLite batch mode) silently drops its FTS triggers."""
    engine = make_engine(str(tmp_path / "old.db"))
    command.upgrade(_alembic_config(engine), "0004")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO channel (name, kind, config, enabled, poll_seconds, state, cursor,"
                " created_at) VALUES ('Old blog', 'wordpress', '{}', 1, 300, 'ok', '{}',"
                " '2026-01-01 00:00:00')"
            )
        )
        conn.execute(text(OLD_ITEM))
    upgrade(engine)
    factory = make_session_factory(engine)
    add_item(factory, 1, "new-1", "another letter, about speeding")
    blog = add_channel(factory, "Second blog")
    add_item(factory, blog, "new-2", "no letters here, only parking")
    found = inbox.item_ids(factory, inbox.Query("letter"))
    assert len(found) == 3  # "letters" is stemmed to "letter"
    assert len(inbox.item_ids(factory, inbox.Query("parking"))) == 2
    engine.dispose()
