"""Bench workspaces on disk: built once per (size, seed, schema head), then copied for each run.

The schema is the app's own (`services.store.db.upgrade`); the rows go in by bulk SQL
(executemany on SQLite, COPY on PostgreSQL), with the secondary indexes dropped during the
load and created again afterwards, exactly as the migrations define them. No ANALYZE and
no PRAGMA optimize: a workspace that grew through the app has none unless the app runs it.
Each run works on a copy (a file copy, or CREATE DATABASE … TEMPLATE), so the writes a run
measures (ingest, triage) never leak into the next run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench.grow import plan
from bench.rows import COLUMNS, GENERATOR, Workspace
from services.inbox.item_counts import RECOUNT
from services.store.db import MIGRATIONS, head_revision, make_engine, upgrade

CACHE = Path.home() / ".cache" / "front-counter-bench"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
BIG_TABLES = ("item", "item_tag", "audit_event", "reply", "escalation", "contact", "thread")
ORDER = (
    "user_account", "team", "channel", "tag", "contact", "thread", "item", "item_tag",
    "reply", "escalation", "audit_event",
)  # fmt: skip


@dataclass(frozen=True)
class Built:
    """A workspace ready to measure: its URL (a run copy) and the facts the figures need."""

    url: str
    dialect: str
    items: int
    now: datetime
    surge_start: datetime
    build_seconds: float | None  # None: taken from the cache


def _meta_path(cache: Path, key: str) -> Path:
    return cache / f"{key}.json"


def schema_key() -> str:
    """The schema head and a digest of the migrations: a migration edited in place rebuilds too."""
    digest = hashlib.sha256()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return f"{head_revision()}-{digest.hexdigest()[:8]}"


def _wanted(items: int, seed: int) -> dict[str, object]:
    return {"items": items, "seed": seed, "schema": schema_key(), "generator": GENERATOR}


def _read_meta(path: Path, wanted: dict[str, object]) -> dict[str, object] | None:
    try:
        meta: dict[str, object] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return meta if all(meta.get(k) == v for k, v in wanted.items()) else None


def _plan(items: int, seed: int) -> tuple[Workspace, dict[str, object]]:
    ws = plan(items, seed, datetime.now(UTC))
    return ws, {"now": ws.now, "surge_start": ws.surge_start}


def _built(
    url: str, dialect: str, items: int, meta: dict[str, object], secs: float | None
) -> Built:
    now = datetime.fromtimestamp(float(meta["now"]), UTC)  # type: ignore[arg-type]
    surge = datetime.fromtimestamp(float(meta["surge_start"]), UTC)  # type: ignore[arg-type]
    return Built(url, dialect, items, now, surge, secs)


def _log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _recount(conn: sqlite3.Connection | psycopg.Connection[tuple[object, ...]]) -> None:
    """The sidebar's counts (migration 0017) from the rows loaded, as `db recount` makes them."""
    conn.execute("DELETE FROM item_count")
    conn.execute(f"INSERT INTO item_count (dim, ref_id, status, n) {RECOUNT}")


# ---- SQLite -----------------------------------------------------------------------------
def sqlite_workspace(items: int, seed: int, cache: Path = CACHE) -> Built:
    cache.mkdir(parents=True, exist_ok=True)
    key = f"sqlite-{items}-s{seed}-{head_revision()}"  # meta holds the full schema key
    path = cache / f"{key}.db"
    wanted = _wanted(items, seed)
    meta = _read_meta(_meta_path(cache, key), wanted) if path.exists() else None
    secs = None
    if meta is None:
        started = time.perf_counter()
        meta = _build_sqlite(path, items, seed) | wanted
        _meta_path(cache, key).write_text(json.dumps(meta))
        secs = time.perf_counter() - started
    run = cache / f"run-{key}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(path, run)
    return _built(str(run), "sqlite", items, meta, secs)


def _build_sqlite(path: Path, items: int, seed: int) -> dict[str, object]:
    partial = path.with_suffix(".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    engine = make_engine(str(partial))
    upgrade(engine)
    engine.dispose()
    _log(f"planning {items:,} items")
    ws, meta = _plan(items, seed)
    _log("writing rows (SQLite executemany)")
    conn = sqlite3.connect(partial)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    names = ",".join(f"'{t}'" for t in BIG_TABLES)
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({names})"
    ).fetchall()
    with conn:
        for name, _sql in indexes:
            conn.execute(f"DROP INDEX {name}")
        for table in ORDER:
            cols = COLUMNS[table]
            conn.executemany(
                f"INSERT INTO {table} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                ws.rows[table],
            )
        conn.execute("UPDATE audit_head SET seq = ? WHERE id = 1", (len(ws.rows["audit_event"]),))
        _recount(conn)
    _log("creating indexes")
    with conn:
        for _name, sql in indexes:
            conn.execute(sql)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    partial.replace(path)
    return meta


# ---- PostgreSQL -------------------------------------------------------------------------
def _admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)


def _drop(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def postgresql_workspace(items: int, seed: int, cache: Path = CACHE) -> Built:
    cache.mkdir(parents=True, exist_ok=True)
    name = f"fc_bench_{items}"
    wanted = _wanted(items, seed)
    with _admin() as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    meta = _read_meta(_meta_path(cache, f"postgresql-{name}"), wanted) if exists else None
    secs = None
    if meta is None:
        started = time.perf_counter()
        meta = _build_postgresql(name, items, seed) | wanted
        _meta_path(cache, f"postgresql-{name}").write_text(json.dumps(meta))
        secs = time.perf_counter() - started
    with _admin() as admin:
        _drop(admin, f"{name}_run")
        admin.execute(f"CREATE DATABASE {name}_run TEMPLATE {name}")
    return _built(f"{PG_SERVER}/{name}_run", "postgresql", items, meta, secs)


def drop_run_copy(built: Built) -> None:
    if built.dialect == "postgresql":
        with _admin() as admin:
            _drop(admin, built.url.rsplit("/", 1)[1])
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{built.url}{suffix}").unlink(missing_ok=True)


def _build_postgresql(name: str, items: int, seed: int) -> dict[str, object]:
    partial = f"{name}_partial"
    with _admin() as admin:
        _drop(admin, partial)
        admin.execute(f"CREATE DATABASE {partial}")
    engine = make_engine(f"{PG_SERVER}/{partial}")
    upgrade(engine)
    engine.dispose()
    _log(f"planning {items:,} items")
    ws, meta = _plan(items, seed)
    _log("writing rows (PostgreSQL COPY)")
    with psycopg.connect(f"{PG_SERVER}/{partial}") as conn:
        # Naive stamps are UTC; FK triggers off for the load (the rows are consistent by
        # construction), as pg_restore does it.
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET maintenance_work_mem = '512MB'")
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'"
            " AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            " WHERE c.conname = i.indexname)",
            (list(BIG_TABLES),),
        ).fetchall()
        for index_name, _sql in indexes:
            conn.execute(f"DROP INDEX {index_name}")
        for table in ORDER:
            cols = ",".join(COLUMNS[table])
            with conn.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in ws.rows[table]:
                    copy.write_row(row)
        conn.execute("UPDATE audit_head SET seq = %s WHERE id = 1", (len(ws.rows["audit_event"]),))
        _recount(conn)  # the count triggers were off for the load (replica role)
        for table in ORDER:
            if "id" in COLUMNS[table]:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
        conn.commit()
        _log("creating indexes")
        for _index_name, sql in indexes:
            conn.execute(sql)
        conn.commit()
    with _admin() as admin:
        admin.execute("CHECKPOINT")
        _drop(admin, name)
        _drop(admin, f"{name}_run")
        admin.execute(f"ALTER DATABASE {partial} RENAME TO {name}")
    return meta
