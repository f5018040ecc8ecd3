"""The cross-process change feed: what other desktops and the sync worker changed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from services.store.db import SessionFactory, check_database_file, origin_of
from services.store.models_audit import Change
from services.store.pg_login import login_password
from services.workspace.changes import ChangeKind, Changes

MAX_ROWS = 1000
_KNOWN = frozenset(k.value for k in ChangeKind)


def latest_id(factory: SessionFactory) -> int:
    with factory() as s:
        check_database_file(s.connection())
        return int(s.scalar(select(func.max(Change.id))) or 0)


def since(factory: SessionFactory, last_id: int) -> tuple[int, Changes]:
    """Changes others recorded after `last_id`, merged, and the id to ask from next time.

    Rows this factory wrote itself are passed over: the desktop applied them
    the moment it made them, and reloading again a second later is double work.
    """
    own = origin_of(factory)
    with factory() as s:
        check_database_file(s.connection())
        rows = s.execute(
            select(Change.id, Change.kinds, Change.item_ids, Change.origin)
            .where(Change.id > last_id)
            .order_by(Change.id)
            .limit(MAX_ROWS)
        ).all()
    kinds: set[ChangeKind] = set()
    items: set[int] = set()
    for _id, row_kinds, item_ids, origin in rows:
        if origin == own:
            continue
        # A kind this release does not know (written by a newer one) refreshes nothing here.
        kinds.update(ChangeKind(k) for k in row_kinds.split(",") if k in _KNOWN)
        items.update(item_ids or ())
    new_last = rows[-1][0] if rows else last_id
    return new_last, Changes(frozenset(kinds), frozenset(items))


# LISTEN/NOTIFY (PostgreSQL): a desktop hears of a change the moment it commits, and
# polls the feed at once; the timer stays as the fallback and is all SQLite has.
NOTIFY_CHANNEL = "front_counter_change"
# After a dropped LISTEN connection: the first wait before connecting again, and the longest.
RECONNECT_FIRST = 0.5
RECONNECT_MAX = 10.0


def notify(session: Session) -> None:
    """Announce this transaction's change row; delivered only if (and when) it commits."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text("SELECT pg_notify(:channel, :origin)"),
        {"channel": NOTIFY_CHANNEL, "origin": str(session.info.get("origin") or "")},
    )


class ChangeListener:
    """LISTENs on its own connection in a thread and calls `wake` when someone else commits.

    `wake` runs on the listener's thread: it must only hand over (a Qt signal, an
    Event). If the connection drops (a server restart, a network cut, an administrator's
    pg_terminate_backend), `lost` is called once and the caller falls back to polling;
    the listener keeps trying to connect again, waiting RECONNECT_FIRST seconds and
    doubling up to RECONNECT_MAX, and calls `regained` once it listens again (the caller
    polls at once for what it missed, then slows its timer down again).
    A first connection that fails ends the thread: start() says False.
    """

    def __init__(
        self,
        engine: Engine,
        own_origin: str | None,
        wake: Callable[[], None],
        lost: Callable[[str], None] = lambda _why: None,
        regained: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._own = own_origin
        self._wake = wake
        self._lost = lost
        self._regained = regained
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.backend_pid: int | None = None
        """The server process of the current LISTEN connection (None while not connected)."""

    @staticmethod
    def available(engine: Engine) -> bool:
        return engine.dialect.name == "postgresql"

    def start(self, timeout: float = 10.0) -> bool:
        """Begin listening; True once LISTEN is in place (False on SQLite, or if it failed)."""
        if not self.available(self._engine):
            return False
        self._thread = threading.Thread(target=self._run, name="change-listener", daemon=True)
        self._thread.start()
        return self._ready.wait(timeout) and not self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg  # only a PostgreSQL desktop needs the driver itself

        try:
            conn = self._connect()
        except psycopg.Error as exc:
            self._stop.set()
            self._ready.set()
            self._lost(f"cannot listen for changes: {exc}")
            return
        self._ready.set()
        while not self._stop.is_set():
            why = self._listen(conn)
            if why is None:
                return
            self._lost(f"stopped listening for changes: {why}")
            found = self._reconnect()
            if found is None:
                return
            conn = found
            self._regained()

    def _connect(self) -> Any:
        import psycopg

        conn = psycopg.connect(_conninfo(self._engine), autocommit=True)
        try:
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except psycopg.Error:
            conn.close()
            raise
        self.backend_pid = conn.info.backend_pid
        return conn

    def _listen(self, conn: Any) -> str | None:
        """Hand over notifications until stopped (None) or the connection fails (why)."""
        import psycopg

        try:
            while not self._stop.is_set():
                # A short timeout keeps stop() prompt; notifications arrive without waiting for it.
                for note in conn.notifies(timeout=0.5):
                    if note.payload != self._own and not self._handed_over(self._wake):
                        return None
            return None
        except psycopg.Error as exc:
            return None if self._stop.is_set() else str(exc).strip() or type(exc).__name__
        finally:
            self.backend_pid = None
            conn.close()

    def _reconnect(self) -> Any:
        """Connect and LISTEN again, waiting longer after each failure; None once stopped."""
        import psycopg

        delay = RECONNECT_FIRST
        while not self._stop.wait(delay):
            try:
                return self._connect()
            except psycopg.Error:
                delay = min(delay * 2, RECONNECT_MAX)
        return None

    def _handed_over(self, wake: Callable[[], None]) -> bool:
        try:
            wake()
        except RuntimeError:  # the receiver is gone (a closed window): nobody is listening
            self._stop.set()
            return False
        return True


def _conninfo(engine: Engine) -> str:
    from psycopg.conninfo import make_conninfo

    url = engine.url
    try:
        password = login_password(engine)
    except DBAPIError as exc:
        if exc.orig is None:
            raise
        raise exc.orig from None  # the driver's own error, as psycopg.connect raises it
    parts = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": password,
        "dbname": url.database,
        "application_name": "front-counter listener",
        "connect_timeout": 10,  # a reconnect to an unreachable server gives up and tries later
        # A connection that died without a word (a cable pulled) is noticed within a minute.
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    return make_conninfo(**{k: str(v) for k, v in parts.items() if v})
