"""The database's own faults (full, read-only, damaged, gone) as one line a person can act on.

SQLAlchemy wraps every driver error in a DBAPIError; the driver's own code
(sqlite3's `sqlite_errorname`, psycopg's SQLSTATE) says which fault it is.
Anything not recognised here is a bug and keeps its traceback.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from services.errors import DatabaseFault
from services.store.pg_login import server_wants_a_password

_SQLITE = {
    "SQLITE_FULL": "is full: the disk has no space left. Free some space and try again; "
    "the last change was not saved",
    "SQLITE_READONLY": "is read-only. Give your account write permission on the file and on "
    "its folder (SQLite writes a -wal and a -shm file beside it), or open another with --db",
    "SQLITE_CANTOPEN": "cannot be opened. Check that the folder exists and that your account "
    "may read and write there, or open another with --db",
    "SQLITE_NOTADB": "is not a Front Counter database (or its first page is damaged). "
    "Restore it from a backup, or open another with --db",
    "SQLITE_CORRUPT": "is damaged (truncated or overwritten). Restore it from a backup, or "
    "open another with --db",
    "SQLITE_IOERR": "could not be read or written: the disk reported an error. Check the disk "
    "(and that the file was not moved or deleted), then try again",
    "SQLITE_BUSY": "is locked by another program for too long. Close it and try again",
    "SQLITE_LOCKED": "is locked by another program for too long. Close it and try again",
}

# SQLSTATE classes and codes (PostgreSQL appendix A) that are the server's fault, not ours.
_POSTGRES = {
    "53100": "is full: the server's disk has no space left. Ask its administrator to free "
    "some; the last change was not saved",
    "53": "is out of resources (memory or connections). Try again shortly, or ask the "
    "server's administrator",
    "25006": "is read-only (a standby or a read-only transaction). Connect to the primary "
    "server, or ask its administrator",
    "57P": "is shutting down or starting up. Try again shortly",
    "08": "could not be reached. Check the server is running and the --db address is right",
    "3D000": "does not exist on that server. Check the --db address, or ask its "
    "administrator to create it",
    "28": "refused the login. Check the user in the --db address, or ask the server's "
    "administrator for access",
    "XX001": "is damaged (a data page is corrupt). Ask the server's administrator to restore it",
    "58": "could not read or write its files (an I/O error on the server). Ask its "
    "administrator to check the disk",
}


def describe_location(url: str) -> str:
    """The file, or user@host/database: never a password."""
    parsed = make_url(url) if "://" in url else None
    if parsed is None or parsed.get_backend_name() == "sqlite":
        path = parsed.database if parsed is not None else url
        return str(path or "(in memory)")
    host = parsed.host or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    user = f"{parsed.username}@" if parsed.username else ""
    return f"{user}{host}{port}/{parsed.database or ''}"


def sqlite_fault(error_name: str | None) -> str | None:
    """The advice for an SQLite result code name, extended codes folded onto their primary."""
    if not error_name:
        return None
    if error_name in _SQLITE:
        return _SQLITE[error_name]
    for primary, advice in _SQLITE.items():
        if error_name.startswith(primary + "_"):
            return advice
    return None


# A login libpq could not complete carries no SQLSTATE, only the server's message (in the
# server's language) and libpq's own flags on the failed connection.
_NO_PASSWORD = (
    "asked for a password and none was found. Store yours in the OS keyring with "
    "`front-counter db password set`, or in ~/.pgpass"
)
_WRONG_PASSWORD = (
    "refused the password. If it has changed, store the new one with "
    "`front-counter db password set`; else ask the server's administrator"
)


def login_fault(exc: BaseException | None) -> str | None:
    """Why a PostgreSQL login failed, where libpq can say: no password, or a refused one."""
    if getattr(exc, "pgconn", None) is None or getattr(exc, "sqlstate", None):
        return None  # not a failed connection attempt
    if server_wants_a_password(exc):
        return _NO_PASSWORD
    message = str(exc)
    if "password authentication failed" in message:
        return _WRONG_PASSWORD
    if 'database "' in message and "does not exist" in message:
        return _POSTGRES["3D000"]
    return None


def postgres_fault(sqlstate: str | None, connection_failed: bool) -> str | None:
    if not sqlstate:
        # No SQLSTATE: the connection itself failed (refused, unknown host, timed out).
        return _POSTGRES["08"] if connection_failed else None
    for prefix in sorted(_POSTGRES, key=len, reverse=True):
        if sqlstate.startswith(prefix):
            return _POSTGRES[prefix]
    return None


def database_fault(exc: BaseException, url: str) -> DatabaseFault | None:
    """A known fault of the database itself, or None when `exc` is something else (a bug)."""
    if isinstance(exc, DatabaseFault):
        return exc
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    advice: str | None
    if hasattr(orig, "sqlite_errorname"):
        advice = sqlite_fault(getattr(orig, "sqlite_errorname", None))
    elif type(orig).__module__.startswith("psycopg"):
        advice = login_fault(orig) or postgres_fault(
            getattr(orig, "sqlstate", None), isinstance(exc, OperationalError)
        )
    else:
        advice = None
    if advice is None:
        return None
    return DatabaseFault(f"the database {describe_location(url)} {advice}.")
