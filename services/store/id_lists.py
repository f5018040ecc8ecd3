"""A column among many ids (a week's 100,000 items) as one bound value, not an IN list.

SQLAlchemy names each bound id of an IN list in Python: for a week of items that took longer
than the read. PostgreSQL takes the ids as one text it splits into an array (`= ANY`), SQLite
as one JSON array read by `json_each`; either way the database looks each id up itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Text,
    any_,
    bindparam,
    cast,
    column,
    func,
    text,
)
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.selectable import TableValuedAlias


def among(
    col: ColumnElement[Any] | QueryableAttribute[Any], ids: Sequence[int], dialect: str
) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return col == any_(_postgresql_array(ids))
    every = text("SELECT value FROM json_each(:ids)").bindparams(ids=json.dumps(list(ids)))
    return col.in_(every.columns(column("value", BigInteger)))


def keys_among(
    col: ColumnElement[Any] | QueryableAttribute[Any], keys: Iterable[str], dialect: str
) -> ColumnElement[bool]:
    """`col IN keys` for a page's external ids: on PostgreSQL one array parameter, so the
    statement's text is the same for every page (psycopg parses a text it has not seen
    before anew, and SQLAlchemy renders each IN list's parameters for every page)."""
    if dialect == "postgresql":
        return col == any_(bindparam("keys", list(keys), type_=ARRAY(Text), unique=True))
    return col.in_(list(keys))


def each_on_postgresql(ids: Sequence[int]) -> TableValuedAlias:
    """The ids as rows of one column, `id`, to look each one up by itself: join a LATERAL
    subquery (fenced with OFFSET 0) that compares its key to `id`. Without statistics
    PostgreSQL would not search an index by `= ANY` but read a guessed-rare value's rows."""
    return func.unnest(_postgresql_array(ids)).table_valued("id").render_derived()


def _postgresql_array(ids: Sequence[int]) -> ColumnElement[Any]:
    # As one text, split by the server: psycopg writes an array parameter element by
    # element in Python (0.2 s for a week's ids).
    joined = bindparam("ids", ",".join(str(int(i)) for i in ids), type_=Text)
    return cast(func.string_to_array(joined, ","), ARRAY(BigInteger))
