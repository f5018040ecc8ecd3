"""One sync worker per workspace: a second `sync --watch` waits until the first is gone.

PostgreSQL: a session-level advisory lock on a connection held for the worker's
life; the server drops it the moment that connection ends, a kill -9 included.
SQLite: an exclusive lock on a file beside the database (services/platform_os.py),
which the OS drops when the process ends. Either way nothing is left behind to clean up by hand, and
a waiting worker takes over within a second of the first one's end.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text

from services.platform_os import try_lock_exclusive

RETRY_SECONDS = 1.0
# Advisory lock keys are per database; this one is ours (a stable 63-bit number).
LOCK_KEY = int.from_bytes(hashlib.sha256(b"front-counter sync worker").digest()[:8]) >> 1

WAITING = "another sync worker is running on this workspace: waiting, and taking over when it stops"


@contextmanager
def single_worker(
    engine: Engine, stop: threading.Event, say: Callable[[str], None]
) -> Iterator[bool]:
    """Hold the workspace's worker lock for the block; False if `stop` came while waiting."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, stop, say) as held:
            yield held
        return
    path = engine.url.database
    if not path or path == ":memory:":
        yield True
        return
    with _file_lock(Path(path).with_name(Path(path).name + ".worker-lock"), stop, say) as held:
        yield held


@contextmanager
def _advisory_lock(
    engine: Engine, stop: threading.Event, say: Callable[[str], None]
) -> Iterator[bool]:
    conn: Connection = engine.connect()
    try:
        if not _wait(lambda: _try_advisory(conn), stop, say):
            yield False
            return
        try:
            yield True
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            conn.commit()
    finally:
        conn.close()


def _try_advisory(conn: Connection) -> bool:
    got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}))
    conn.commit()  # no transaction left open for hours: the lock is the session's, not its
    return got


@contextmanager
def _file_lock(path: Path, stop: threading.Event, say: Callable[[str], None]) -> Iterator[bool]:
    handle: IO[str] = path.open("a+")

    def attempt() -> bool:
        if not try_lock_exclusive(handle):  # flock on POSIX, a byte-range lock on Windows
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")  # for a person looking: which process holds it
        handle.flush()
        return True

    try:
        if not _wait(attempt, stop, say):
            yield False
            return
        yield True
    finally:
        handle.close()  # closing drops the lock


def _wait(attempt: Callable[[], bool], stop: threading.Event, say: Callable[[str], None]) -> bool:
    if attempt():
        return True
    say(WAITING)
    while not stop.wait(RETRY_SECONDS):
        if attempt():
            say("the other worker stopped: taking over")
            return True
    return False
