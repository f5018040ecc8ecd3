"""A column among many ids (a week's 100,000 items) as one bound value, not an IN list.

SQLAlchemy names each bound id of an IN list in Python: for a week of items that took longer
than the read. PostgreSQL takes the ids as one array (`= ANY`), SQLite as one JSON array read
by `json_each`; either way the database looks each id up in the column's index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, BigInteger, ColumnElement, any_, bindparam, column, text
from sqlalchemy.orm import QueryableAttribute


def among(
    col: ColumnElement[Any] | QueryableAttribute[Any], ids: Sequence[int], dialect: str
) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return col == any_(bindparam("ids", list(ids), type_=ARRAY(BigInteger)))
    every = text("SELECT value FROM json_each(:ids)").bindparams(ids=json.dumps(list(ids)))
    return col.in_(every.columns(column("value", BigInteger)))
