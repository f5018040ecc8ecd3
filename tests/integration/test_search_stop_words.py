"""Stop words are ignored by search, so SQLite and PostgreSQL find the same items."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.inbox import listing as inbox
from services.inbox.stop_words import STOP_WORDS
from services.store.db import SessionFactory, make_engine
from tests.builders import add_channel, add_item


@pytest.fixture
def items(factory: SessionFactory) -> dict[str, int]:
    ch = add_channel(factory)
    return {
        "letter": add_item(factory, ch, "1", "The letter to the station was never answered"),
        "speeding": add_item(factory, ch, "2", "Cars speeding past a school"),
        "bare": add_item(factory, ch, "3", "Speeding cars again"),
    }


def _found(factory: SessionFactory, text: str) -> list[int]:
    return sorted(inbox.item_ids(factory, inbox.Query(text)))


def test_a_stop_word_beside_a_word_is_ignored(
    factory: SessionFactory, items: dict[str, int]
) -> None:
    # PostgreSQL used to find nothing here: `the` was a condition no item could meet.
    assert _found(factory, "the letter") == [items["letter"]]
    assert _found(factory, "letter -the") == [items["letter"]]
    assert _found(factory, "The, speeding") == sorted([items["speeding"], items["bare"]])


def test_a_search_of_stop_words_alone_filters_nothing(
    factory: SessionFactory, items: dict[str, int]
) -> None:
    assert _found(factory, "the") == sorted(items.values())
    page = inbox.first_page(factory, inbox.Query("to the"), 10)
    assert sorted(r.id for r in page) == sorted(items.values())


def test_a_phrase_still_holds_its_stop_words(
    factory: SessionFactory, items: dict[str, int]
) -> None:
    assert _found(factory, '"the letter"') == [items["letter"]]


def test_the_list_is_what_postgresqls_english_search_drops(pg_database: str) -> None:
    engine = make_engine(pg_database)
    try:
        with engine.connect() as conn:
            kept = [
                word
                for word in sorted(STOP_WORDS)
                if conn.scalar(select(func.numnode(func.plainto_tsquery("english", word)))) != 0
            ]
            dropped = conn.scalar(select(func.to_tsvector("english", " ".join(STOP_WORDS))))
    finally:
        engine.dispose()
    assert kept == [] and dropped == ""
