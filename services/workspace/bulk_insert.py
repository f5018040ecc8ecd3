"""Many rows into one table in one executemany, with less Python per row than Core's.

Core's executemany builds and converts a parameter dict per row; a bulk action's 1,000 audit
events spent longer there than in SQLite. On a positional driver (SQLite) the rows go
as tuples, each value converted by its column's own type (the same value Core would bind);
other drivers (psycopg batches inserts itself) take Core's path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table

_Converter = Callable[[Any], Any] | None


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in one executemany."""
    if not rows:
        return
    if not conn.dialect.positional:
        conn.execute(table.insert(), list(rows))
        return
    sql, names, converters = _driver_insert(conn.dialect, table, tuple(rows[0]))
    columns = [
        _converted([row[n] for row in rows], c) for n, c in zip(names, converters, strict=True)
    ]
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


@lru_cache(maxsize=32)
def _driver_insert(
    dialect: Dialect, table: Table, keys: tuple[str, ...]
) -> tuple[str, tuple[str, ...], tuple[_Converter, ...]]:
    """The INSERT as the driver takes it: its SQL, its parameters' order, their conversions."""
    compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup or ())
    if sorted(names) != sorted(keys):  # a column default Core would fill in: not handled here
        raise ValueError(f"{table.name}: INSERT parameters {names} are not the keys {keys}")
    converters = tuple(table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names)
    return compiled.string, names, converters


def _converted(values: list[Any], convert: _Converter) -> list[Any]:
    """Each value as its column binds it; a value shared by several rows (the transaction's
    time, a bulk action's `after`) is converted once."""
    if convert is None:
        return values
    done: dict[int, Any] = {}  # id → converted: the rows keep every value alive meanwhile
    out: list[Any] = []
    for value in values:
        key = id(value)
        if key not in done:
            done[key] = convert(value)
        out.append(done[key])
    return out
