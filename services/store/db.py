"""Engines, sessions and schema upgrades for SQLite (embedded) and PostgreSQL (team)."""

from __future__ import annotations

import logging
import os
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from services.errors import DatabaseFault, KnownError
from services.store import (
    models_attachments,
    models_audit,
    models_channels,
    models_counts,
    models_desk,
    models_inbox,
    models_out_of_hours,
    models_presence,
    models_records,
    models_sla,
    pg_login,
    roles,
)
from services.store.faults import describe_location
from services.store.models import Base

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")
log = logging.getLogger(__name__)

SessionFactory = sessionmaker[Session]

# Every table module beside services/store/models.py, imported here so that Base.metadata
# (the half-built-schema check, Alembic's target, the tests' truncation) and the mapper
# registry know every table as soon as a database is opened.
TABLE_MODULES = (
    models_attachments,
    models_audit,
    models_channels,
    models_counts,
    models_desk,
    models_inbox,
    models_out_of_hours,
    models_presence,
    models_records,
    models_sla,
)


def normalise_url(url: str) -> str:
    """Accept a bare file path as SQLite and `postgresql://` as psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database if parsed.database and parsed.database != ":memory:" else None
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _SqliteConnect(path))
        event.listen(engine.pool, "close", _sqlite_optimize)
        return engine
    # No hstore column here: without this, the first connection asks the server for the
    # hstore type's oids (a catalog query and psycopg's TypeInfo) at every start.
    engine = create_engine(parsed, pool_pre_ping=True, use_native_hstore=False, **kwargs)
    event.listen(engine, "connect", _postgresql_session)
    pg_login.ask_keyring_when_needed(engine, parsed)
    return engine


def _postgresql_session(dbapi_connection: Any, _record: Any) -> None:
    """Times come back in UTC whatever the server's zone: ready to use as they are (the
    model's times are UTC), where converting each one cost a second of the weekly report.

    And no JIT compilation: every statement here answers a person within a second, and
    without statistics PostgreSQL's cost guesses passed `jit_above_cost` often, each time
    compiling for 30-50 ms what then ran in 40 (the report's review lookup, measured)."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a rolled-back SET would be undone
    # One round trip: without parameters psycopg sends both in one simple query.
    dbapi_connection.execute("SET TIME ZONE 'UTC'; SET jit = off")
    dbapi_connection.autocommit = autocommit


class _SqliteConnect:
    """Sets the pragmas on every new connection and notes which file the engine first opened.

    Every connection carries that first file's identity, so one opened after
    the file was swapped is caught by `check_database_file` as well.
    """

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._first: tuple[int, int] | None = None

    def __call__(self, dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection)
        if self._path is None:
            return
        try:
            st = os.stat(self._path)
        except OSError:
            return
        if self._first is None:
            self._first = (st.st_dev, st.st_ino)
        record.info["database_file"] = (self._path, self._first)


def _sqlite_pragmas(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_optimize(dbapi_connection: Any, _record: Any) -> None:
    """Refresh the planner's statistics where SQLite thinks they would help, as a connection closes.

    The views' plans do not depend on them (services/inbox/search.py), but fresh ones help every
    other query. analysis_limit bounds the work on a million-row table to milliseconds.
    """
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=100")  # never hold up a close behind a writer
        cursor.execute("PRAGMA analysis_limit=400")
        cursor.execute("PRAGMA optimize")
        cursor.close()
    except sqlite3.Error:  # a busy or vanished file must not fail a close
        return


def check_database_file(connection: Connection) -> None:
    """Raise DatabaseFault if the SQLite file was deleted or replaced since we opened it.

    SQLite keeps writing to the open (now nameless) file without a word, so the
    desktop and the worker ask this on their polls instead of writing into the void.
    """
    noted = connection.info.get("database_file")
    if noted is None:
        return
    path, identity = noted
    try:
        st = os.stat(path)
        now: tuple[int, int] | None = (st.st_dev, st.st_ino)
    except FileNotFoundError:
        now = None
    if now != identity:
        raise DatabaseFault(
            f"the database {path} was deleted or replaced while Front Counter had it open; "
            "what was done since then is not in it. Put the file back (or restore a "
            "backup) and start Front Counter again."
        )


def ensure_database_file(engine: Engine) -> None:
    with engine.connect() as conn:
        check_database_file(conn)


def make_session_factory(engine: Engine, origin: str | None = None) -> SessionFactory:
    """Sessions on `engine`; the change rows they write carry `origin` (new per factory by default)."""
    return sessionmaker(engine, expire_on_commit=False, info={"origin": origin or uuid.uuid4().hex})


def origin_of(factory: SessionFactory) -> str:
    """The token this factory's writes leave on change rows: its process's own changes."""
    return str(factory.kw["info"]["origin"])


# Alembic is imported only when a schema is read or changed through it: every command and the
# desktop start by checking the schema, and importing it cost more than the check (~0.15 s).
def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def newest_migration() -> str:
    """The head as the migration files name it (`0012_….py` is revision "0012"), unparsed.

    tests/unit/test_schema_check.py keeps this equal to Alembic's own head.
    """
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def _stored_revision(engine: Engine) -> str | None:
    """The schema stamp, read with one SELECT (None: no stamp, or not a single one)."""
    with engine.connect() as conn:
        if not _has_stamp_table(conn):
            return None
        stamps = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    return str(stamps[0]) if len(stamps) == 1 else None


def _has_stamp_table(conn: Connection) -> bool:
    """Whether the default schema has Alembic's stamp table, as `inspect().has_table` says,
    asked of the catalog directly: SQLAlchemy's reflection would load its PostgreSQL catalog
    module and compile a query at every start."""
    if conn.dialect.name == "postgresql":
        found = conn.exec_driver_sql(
            "SELECT to_regclass(quote_ident(current_schema()) || '.alembic_version')"
        ).scalar()
    else:
        found = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).scalar()
    return found is not None


# Tables whose planner statistics the views' plans lean on (PostgreSQL); see `_gather_statistics`.
_BIG_TABLES = ("item", "item_tag", "reply", "escalation", "audit_event", "contact", "thread")
_ANALYZE_FROM_ROWS = 10_000  # as estimated by the last CREATE INDEX or VACUUM, if any
_ANALYZE_FROM_BYTES = 2 * 1024 * 1024  # or as big as this on disk (never estimated at all)


def _gather_statistics(engine: Engine) -> None:
    """ANALYZE the big tables PostgreSQL has never gathered statistics for (a bulk load, a restore).

    Autovacuum keeps them fresh afterwards; until its first pass the planner guesses table
    sizes and chose a full scan of 500,000 tag links to show 100 rows. A login that does not
    own the tables is skipped by PostgreSQL with a warning, not an error.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        # The usual start finds every table analysed, in one cheap query (pg_stats once
        # rather than per table: 5 ms on a new connection's cold catalog cache).
        analysed = set(
            conn.exec_driver_sql(
                "SELECT DISTINCT tablename FROM pg_stats"
                " WHERE schemaname = current_schema() AND tablename = ANY(%(tables)s)",
                {"tables": list(_BIG_TABLES)},
            ).scalars()
        )
        missing = [t for t in _BIG_TABLES if t not in analysed]
        if not missing:
            return
        bare = (
            conn.exec_driver_sql(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                " AND c.relname = ANY(%(tables)s)"
                " AND (c.reltuples >= %(rows)s OR pg_relation_size(c.oid) >= %(bytes)s)",
                {"tables": missing, "rows": _ANALYZE_FROM_ROWS, "bytes": _ANALYZE_FROM_BYTES},
            )
            .scalars()
            .all()
        )
    if bare:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in bare:
                conn.exec_driver_sql(f'ANALYZE "{table}"')


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to head; refuse a database written by a newer release."""
    stored = _stored_revision(engine)
    if stored is not None and stored == newest_migration():
        _gather_statistics(engine)
        return stored, stored  # up to date: the usual start, without loading Alembic
    from alembic import command
    from alembic.script import ScriptDirectory

    before = current_revision(engine)
    script = ScriptDirectory(str(MIGRATIONS))
    if before is not None and not _known_revision(script, before):
        raise KnownError(
            f"This database was written by a newer Front Counter (schema {before}); "
            "upgrade the application before opening it."
        )
    if before is None:
        _refuse_half_built(engine)
    if before != head_revision():
        with engine.connect() as conn:
            roles.require_owner(conn, "upgrading the schema")
        if before is not None:
            backup_before_upgrade(engine, before)
    command.upgrade(_alembic_config(engine), "head")
    if before != head_revision():
        with engine.begin() as conn:
            roles.install(conn)  # tables a release added get their groups' grants (PostgreSQL)
    return before, head_revision()


def backup_before_upgrade(engine: Engine, revision: str) -> Path | None:
    """A backup of an older database, made before its schema is upgraded; its path.

    SQLite: `<file>.schema-<revision>.bak` beside it. PostgreSQL: `pg_dump -Fc` (what `db
    backup` writes) into `backups/` of the user data folder, named after the database and
    the revision; `db restore` brings it back. Both can be opened by the release that wrote
    them. No backup (pg_dump missing or failing), no upgrade: the error says why.
    """
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return None
    from services.store.backup import backup  # only upgrades need it

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        target = path.with_name(f"{path.name}.schema-{revision}.bak")
        if target.exists():  # an earlier upgrade was cut short: keep that copy too
            target = path.with_name(f"{path.name}.schema-{revision}-{stamp}.bak")
    else:
        name = f"{engine.url.database or 'postgres'}.schema-{revision}-{stamp}.dump"
        target = upgrade_backup_folder() / name
    made = backup(engine, target).path
    log.info("backed up the database (schema %s) to %s before upgrading it", revision, made)
    return made


def upgrade_backup_folder() -> Path:
    """Where a team database's dump goes before an upgrade (the upgrading user's data folder)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("front-counter")) / "backups"


def _refuse_half_built(engine: Engine) -> None:
    """Tables of ours without a schema stamp: a first start of an older release was cut short."""
    with engine.connect() as conn:
        ours = set(inspect(conn).get_table_names()) & set(Base.metadata.tables)
    if ours:
        raise DatabaseFault(
            f"the database {describe_location(engine.url.render_as_string())} holds a "
            "half-built schema (a first start was interrupted). Nothing was stored in it yet: "
            "delete it (or move it aside) and start again."
        )


def _known_revision(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util.exc import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False
