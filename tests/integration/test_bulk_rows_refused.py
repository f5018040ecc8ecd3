"""Rows written in bulk (PostgreSQL's COPY, SQLite's executemany) fail the way a Core insert
does: a refused row is the database's reason for the quarantine, a lost connection fails the
run whole so the next run tries the page again (services/channels/quarantine.py)."""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy import Table, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from services.channels import quarantine
from services.channels.incoming import Author, Incoming, ThreadRef
from services.store.db import SessionFactory, make_engine
from services.store.models import Contact, Item, ItemKind, Thread, utcnow
from services.workspace import bulk_insert
from tests.builders import add_channel


def _contact(channel_id: int, key: str) -> dict[str, object]:
    return {
        "channel_id": channel_id,
        "external_id": key,
        "handle": key,
        "display_name": key,
        "profile_url": None,
        "person_key": key,
        "first_seen_at": utcnow(),
    }


def test_a_refused_row_raises_the_databases_integrity_error_and_keeps_none_of_the_rows(
    factory: SessionFactory,
) -> None:
    channel_id = add_channel(factory, "Blog")
    table = cast(Table, Contact.__table__)
    rows = [_contact(channel_id, "a"), _contact(channel_id, "b"), _contact(channel_id, "a")]
    with factory() as s, pytest.raises(IntegrityError) as raised, s.begin():
        bulk_insert.insert_rows(s.connection(), table, rows)
    assert "unique" in str(raised.value.orig).lower()
    assert not quarantine._transient(raised.value)  # the item's fault: quarantined, not retried
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_connection_lost_during_a_bulk_insert_fails_the_run_as_transient(
    pg_database: str,
) -> None:
    engine = make_engine(pg_database)
    table = cast(Table, Contact.__table__)
    try:
        with engine.connect() as conn:
            pid = conn.scalar(text("SELECT pg_backend_pid()"))
            with engine.connect() as other:
                assert other.scalar(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            with pytest.raises(OperationalError) as raised:
                bulk_insert.insert_rows(conn, table, [_contact(1, "a")])
    finally:
        engine.dispose()
    assert quarantine._transient(raised.value)  # the page is tried again whole next run


def test_a_page_stored_by_copy_reads_back_as_it_was_sent(factory: SessionFactory) -> None:
    channel_id = add_channel(factory, "Blog")
    sent = Incoming(
        external_id="c-1",
        kind=ItemKind.COMMENT,
        created_at=utcnow(),
        author=Author("ann", 'Ann \\N O\'Neil\t"Q"', "ann"),
        thread=ThreadRef("post-1", "A post, with a comma"),
        body_text="Tab\there, a backslash \\ and a line\nbreak: \\N is not null",
        raw={"id": 1, "text": "\\N", "nested": {"list": [1, None, "x,y"]}},
    )
    stored = quarantine.store_batch(factory, channel_id, [sent], {"page": 1}, set())
    assert stored.quarantined == 0
    with factory() as s:
        item = s.scalars(select(Item)).one()
        assert item.body_text == "Tab\there, a backslash \\ and a line\nbreak: \\N is not null"
        assert item.raw == {"id": 1, "text": "\\N", "nested": {"list": [1, None, "x,y"]}}
        assert s.get_one(Contact, item.contact_id).display_name == 'Ann \\N O\'Neil "Q"'
        assert s.get_one(Thread, item.thread_id).title == "A post, with a comma"
