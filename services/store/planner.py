"""Steering the query planner where it guesses wrong without statistics.

SQLite's statistics come only from `PRAGMA optimize` as connections close, and a freshly
loaded PostgreSQL has none until its first ANALYZE; the views people open must not
depend on them.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

T = TypeVar("T")


def unindexed(col: ColumnElement[T] | QueryableAttribute[T], dialect: str) -> ColumnElement[T]:
    """`col` as SQLite's `+col`: the same value, but no index on it is considered for it."""
    element = col.expression if isinstance(col, QueryableAttribute) else col
    if dialect != "sqlite":
        return element
    return UnaryExpression(element, operator=custom_op("+"), type_=element.type)


def unindexed_text(col: ColumnElement[str] | QueryableAttribute[str]) -> ColumnElement[str]:
    """A text column as `col || ''` on every database: no index on it is considered for it.

    PostgreSQL without statistics guesses as badly as SQLite does, and has no `+col`.
    """
    element = col.expression if isinstance(col, QueryableAttribute) else col
    return element.concat("")
