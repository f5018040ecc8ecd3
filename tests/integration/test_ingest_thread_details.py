"""A known thread takes the details a later batch tells, and keeps them when a batch tells none."""

from __future__ import annotations

from sqlalchemy import select

from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.ingest import upsert
from services.store.db import SessionFactory
from services.store.models import ItemKind, Thread, utcnow
from services.workspace.unit_of_work import write_transaction
from tests.builders import add_channel


def _comment(ext: str, thread: ThreadRef) -> Incoming:
    return Incoming(ext, ItemKind.COMMENT, utcnow(), Author("a1", "Alex"), thread, body_text="hi")


def _store(factory: SessionFactory, channel: int, *items: Incoming) -> None:
    with write_transaction(factory, None) as tx:
        upsert(tx.session, channel, list(items), tx.now)


def _thread(factory: SessionFactory) -> tuple[str | None, str | None, str | None]:
    with factory() as s:
        t = s.scalars(select(Thread)).one()
        return t.title, t.url, t.body_text


def test_thread_details_arrive_later_and_are_never_blanked(factory: SessionFactory) -> None:
    ch = add_channel(factory)
    _store(factory, ch, _comment("1", ThreadRef("p1")))
    assert _thread(factory) == (None, None, None)

    _store(factory, ch, _comment("2", ThreadRef("p1", "Appeal", "https://e.example/p1")))
    assert _thread(factory) == ("Appeal", "https://e.example/p1", None)

    _store(factory, ch, _comment("3", ThreadRef("p1")), _comment("4", ThreadRef("p1", None)))
    assert _thread(factory) == ("Appeal", "https://e.example/p1", None)

    _store(factory, ch, _comment("5", ThreadRef("p1", "Appeal (update)", None, "Seen a bike?")))
    assert _thread(factory) == ("Appeal (update)", "https://e.example/p1", "Seen a bike?")


def test_a_thread_already_in_the_session_sees_the_new_title(factory: SessionFactory) -> None:
    ch = add_channel(factory)
    _store(factory, ch, _comment("1", ThreadRef("p1", "Old")))
    with write_transaction(factory, None) as tx:
        loaded = tx.session.scalars(select(Thread)).one()
        upsert(tx.session, ch, [_comment("2", ThreadRef("p1", "New"))], tx.now)
        assert loaded.title == "New"
    assert _thread(factory) == ("New", None, None)
