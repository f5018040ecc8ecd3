"""The PostgreSQL login's password: the URL's, PGPASSWORD, ~/.pgpass, or the OS keyring's
when the server asks for one (`front-counter db password set`)."""

from __future__ import annotations

import os
import weakref
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL


class _KeyringLogin:
    """The keyring's password, given to libpq only once the server has asked for one.

    A URL without a password first connects without one, as psql does: a server that
    trusts, peers or uses single sign-on lets it in, and libpq reads PGPASSFILE
    (~/.pgpass) itself. Only when the server asks for a password that libpq could not find
    is the OS keyring read (once; its backend discovery alone costs 60-80 ms of start-up),
    and the connection made again with it. The password stays in memory, never in the
    database, a log or an error.
    """

    def __init__(self, url: URL) -> None:
        self._key = _keyring_key(url)
        self.password: str | None = None
        self.known = False  # a connection was made, or the keyring was read

    def __call__(
        self, dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> Any:
        if self.password is not None:
            cparams["password"] = self.password
            return None  # SQLAlchemy connects with it
        try:
            connection = dialect.connect(*cargs, **cparams)
        except dialect.loaded_dbapi.OperationalError as exc:
            if self.known or not server_wants_a_password(exc):
                raise
            self.known = True
            from services.workspace import secrets  # the keyring loads only now

            self.password = secrets.load_database_password(self._key)
            if self.password is None:
                raise
            cparams["password"] = self.password
            return dialect.connect(*cargs, **cparams)
        self.known = True
        return connection


_KEYRING_LOGINS: weakref.WeakKeyDictionary[Engine, _KeyringLogin] = weakref.WeakKeyDictionary()


def _keyring_key(url: URL) -> str:
    from services.workspace import secrets

    return secrets.database_key(url.username, url.host, url.port, url.database)


def server_wants_a_password(exc: BaseException | None) -> bool:
    """libpq's PQconnectionNeedsPassword: the server asked and libpq had none to give."""
    pgconn = getattr(exc, "pgconn", None)
    return bool(pgconn is not None and getattr(pgconn, "needs_password", False))


def ask_keyring_when_needed(engine: Engine, url: URL) -> None:
    """Connect without a password first; read the keyring only if the server asks for one.
    The URL's own password and PGPASSWORD come first: libpq sends them unasked."""
    if url.password is not None or os.environ.get("PGPASSWORD"):
        return
    keyring_login = _KeyringLogin(url)
    _KEYRING_LOGINS[engine] = keyring_login
    event.listen(engine, "do_connect", keyring_login)


def login_password(engine: Engine) -> str | None:
    """The password this engine logs in with, for libpq clients beside it (the change
    listener, pg_dump): the URL's, or the keyring's once the server has asked for it.
    None where libpq finds its own (PGPASSWORD, ~/.pgpass) or the server asks for none."""
    if engine.url.password is not None:
        return engine.url.password
    keyring_login = _KEYRING_LOGINS.get(engine)
    if keyring_login is None:
        return None
    if not keyring_login.known:
        with engine.connect():  # learns whether the server asks, as the engine would
            pass
    return keyring_login.password
