"""A control character in a search is refused with a clear message (issue 19), on both databases.

Before: PostgreSQL raised an uncaught DataError on the NUL; SQLite matched everything.
"""

from __future__ import annotations

import pytest

from services.errors import QuerySyntaxError
from services.inbox import listing as inbox
from services.store.db import SessionFactory
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item


@pytest.mark.parametrize("query", ["tag:a\x00b", "from:\x01", "words \x00", 'tag:"x\x1by"'])
def test_a_control_character_in_a_search_is_refused(
    factory: SessionFactory, officer: Actor, query: str
) -> None:
    add_item(factory, add_channel(factory), "1", "hello there", author="Helen Brennan")
    with pytest.raises(QuerySyntaxError, match="control character") as refused:
        inbox.item_ids(factory, inbox.Query(query, officer.id))
    assert refused.value.position == next(i for i, c in enumerate(query) if ord(c) < 32)


def test_tabs_and_line_breaks_still_separate_terms(factory: SessionFactory, officer: Actor) -> None:
    item = add_item(factory, add_channel(factory), "1", "hello there", author="Helen Brennan")
    assert list(inbox.item_ids(factory, inbox.Query("hello\tfrom:helen\n", officer.id))) == [item]
