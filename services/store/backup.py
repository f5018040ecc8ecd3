"""Backups and restores: SQLite's online backup API, PostgreSQL's pg_dump/pg_restore.

Both are safe while desktops and the worker keep working: SQLite's backup copies
a consistent snapshot page by page, pg_dump reads in one repeatable-read snapshot.
A restore goes into an empty database (a new SQLite file, or a database the DBA
created for the owner), never over a live one: the audit chain of the copy is then
verified by the caller (`db restore` runs `audit verify`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect

from services.errors import InvalidInput, KnownError
from services.store.pg_login import login_password

PG_DUMP_TIMEOUT_S = 3600


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    kind: str  # "sqlite" or "pg_dump custom format"


def backup(engine: Engine, out: Path) -> BackupResult:
    out = out.expanduser().resolve()
    if out.exists():
        raise InvalidInput(f"{out} already exists: a backup never overwrites a file")
    out.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        _sqlite_backup(engine, out)
        kind = "sqlite"
    else:
        _pg_tool(["pg_dump", "--format=custom", f"--file={out}"], engine)
        kind = "pg_dump custom format"
    return BackupResult(out, out.stat().st_size, kind)


def _sqlite_backup(engine: Engine, out: Path) -> None:
    partial = out.with_name(out.name + ".part")
    target = sqlite3.connect(partial)
    try:
        raw = engine.raw_connection()
        try:
            source: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
            source.backup(target)
        finally:
            raw.close()
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
    partial.replace(out)


def restore(engine: Engine, source: Path) -> None:
    """Restore `source` into the empty database `engine` opens."""
    source = source.expanduser().resolve()
    if not source.is_file():
        raise InvalidInput(f"no backup at {source}")
    with engine.connect() as conn:
        if inspect(conn).get_table_names():
            raise InvalidInput(
                "the database to restore into is not empty: restore into a new file or a new "
                "database, check it, then point Front Counter at it"
            )
    if engine.dialect.name == "sqlite":
        target = engine.url.database
        if not target:
            raise InvalidInput("restore needs a SQLite file to write")
        engine.dispose()
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return
    _pg_tool(
        ["pg_restore", "--single-transaction", "--exit-on-error", "--no-owner", str(source)],
        engine,
        with_dbname=True,
    )


def _pg_tool(args: list[str], engine: Engine, with_dbname: bool = False) -> None:
    program = shutil.which(args[0])
    if program is None:
        raise KnownError(
            f"{args[0]} is not installed: install the PostgreSQL client "
            "(Debian: apt install postgresql-client) of the server's major version"
        )
    url = engine.url
    env = dict(os.environ)
    # libpq's own variables: the password never appears on a command line.
    for var, value in (
        ("PGHOST", url.host),
        ("PGPORT", str(url.port) if url.port else None),
        ("PGUSER", url.username),
        ("PGPASSWORD", login_password(engine)),
        ("PGDATABASE", url.database),
    ):
        if value:
            env[var] = str(value)
    if with_dbname and url.database:
        args = [*args[:-1], f"--dbname={url.database}", args[-1]]
    done = subprocess.run(
        [program, *args[1:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=PG_DUMP_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise KnownError(f"{args[0]} failed: {done.stderr.strip()[-2000:]}")
