"""Many rows into one table in one statement, with less Python per row than Core's.

Core's executemany builds and converts a parameter dict per row; a bulk action's 1,000 audit
events spent longer there than in SQLite. Here each value is converted by its column's own
type (the same value Core would bind), once per distinct value, and the rows go:
- on SQLite (a positional driver), as tuples to one executemany;
- on PostgreSQL, by one COPY: psycopg's executemany sends a row at a time through its
  pipeline, and an ingest page of 100 items spent half its time there (bench/figures.py).
Other drivers take Core's path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table
from sqlalchemy.exc import DBAPIError

_Converter = Callable[[Any], Any] | None


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, every column the insert writes) into `table`."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
        return
    if not conn.dialect.positional:
        conn.execute(table.insert(), list(rows))
        return
    sql, names, converters = _driver_insert(conn.dialect, table, tuple(rows[0]))
    conn.exec_driver_sql(sql, list(zip(*_columns(rows, names, converters), strict=True)))


def _copy(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    _sql, names, converters = _driver_insert(conn.dialect, table, tuple(rows[0]))
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    columns = _columns(rows, names, converters)
    driver = conn.connection.driver_connection
    assert driver is not None
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for values in zip(*columns, strict=True):
                copy.write_row(values)
    except dbapi_error as exc:
        # As Core would: a lost connection is given up (not rolled back on close), and the
        # error raised as SQLAlchemy's class, by which callers tell a lost connection
        # (OperationalError) from a row the database refuses (IntegrityError, DataError).
        lost = conn.dialect.is_disconnect(exc, driver, None)
        if lost:
            conn.invalidate(exc)
        raise DBAPIError.instance(sql, None, exc, dbapi_error, connection_invalidated=lost) from exc


@lru_cache(maxsize=32)
def _driver_insert(
    dialect: Dialect, table: Table, keys: tuple[str, ...]
) -> tuple[str, tuple[str, ...], tuple[_Converter, ...]]:
    """The INSERT as the driver takes it: its SQL, its parameters' order, their conversions."""
    compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup or compiled.binds)
    if sorted(names) != sorted(keys):  # a column default Core would fill in: not handled here
        raise ValueError(f"{table.name}: INSERT parameters {names} are not the keys {keys}")
    converters = tuple(table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names)
    return compiled.string, names, converters


def _columns(
    rows: Sequence[Mapping[str, Any]], names: tuple[str, ...], converters: tuple[_Converter, ...]
) -> list[list[Any]]:
    return [_converted([row[n] for row in rows], c) for n, c in zip(names, converters, strict=True)]


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
