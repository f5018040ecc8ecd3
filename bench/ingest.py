"""Ingest throughput: comments from the fake WordPress through the real connector and sync engine,
beside the raw cost of the same inserts through bare sqlite3, in the same run.

Run with `make bench` or `python -m bench ingest`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import httpx

from services import channels_admin
from services.channels.protocol import default_registry
from services.store.db import make_engine, make_session_factory, upgrade
from services.sync import SyncEngine
from services.users import resolve_actor
from tests.fakes.wordpress import FakeWordPress

COMMENTS = int(os.environ.get("BENCH_COMMENTS", "100000"))
WORKDIR = Path(os.environ.get("BENCH_DIR", "artifacts/bench"))


def _fresh_db(name: str) -> Path:
    path = WORKDIR / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    engine = make_engine(str(path))
    upgrade(engine)
    engine.dispose()
    return path


def main() -> None:
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    os.environ.setdefault("XDG_DATA_HOME", str(WORKDIR.resolve() / "xdg"))
    WORKDIR.mkdir(parents=True, exist_ok=True)
    fake = FakeWordPress().start()
    fake.add_post(812, "Recruiting")
    for n in range(COMMENTS):
        fake.add_comment(
            812,
            f"Comment {n}: the station never answered my letter about speeding cars",
            f"Person {n % 5000}",
        )
    try:
        # 1. HTTP alone: the same pages, read and parsed, nothing written.
        t = time.perf_counter()
        with httpx.Client(
            base_url=fake.site + "/wp-json/", auth=(fake.login, fake.password)
        ) as client:
            page = 1
            while True:
                resp = client.get(
                    "wp/v2/comments",
                    params={
                        "status": "approve",
                        "type": "comment",
                        "orderby": "id",
                        "order": "desc",
                        "per_page": 100,
                        "page": page,
                        "context": "edit",
                    },
                )
                if not resp.json():
                    break
                page += 1
        http_only = time.perf_counter() - t

        # 2. The real path: connector + sync engine + SQLite.
        path = _fresh_db("ingest.db")
        engine = make_engine(str(path))
        factory = make_session_factory(engine)
        admin = resolve_actor(factory, "bench")
        channel = channels_admin.add_channel(
            factory,
            admin,
            "wordpress",
            "Bench blog",
            {"url": fake.site, "login": fake.login},
            secret=fake.password,
        )
        t = time.perf_counter()
        result = SyncEngine(factory, default_registry()).sync_channel(channel.id)
        synced = time.perf_counter() - t
        engine.dispose()
        assert result.inserted == COMMENTS, result

        # 3. Bare sqlite3: the same rows straight into the same schema (FTS triggers included).
        raw_path = _fresh_db("ingest-raw.db")
        conn = sqlite3.connect(raw_path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        comments = list(fake.comments.values())
        t = time.perf_counter()
        with conn:
            conn.execute(
                "INSERT INTO channel (id, name, kind, config, enabled, poll_seconds, state, cursor, created_at)"
                " VALUES (1, 'raw', 'wordpress', '{}', 1, 300, 'ok', '{}', '2026-11-24 00:00:00')"
            )
            conn.executemany(
                "INSERT INTO item (channel_id, external_id, direction, kind, body_text, body_html, created_at,"
                " received_at, source_state, status, priority, needs_reply, version)"
                " VALUES (1, ?, 'inbound', 'comment', ?, ?, ?, ?, 'approved', 'new', 0, 1, 1)",
                [
                    (
                        str(c["id"]),
                        c["content"]["raw"],
                        c["content"]["rendered"],
                        c["date_gmt"],
                        c["date_gmt"],
                    )
                    for c in comments
                ],
            )
        raw = time.perf_counter() - t
        conn.close()
    finally:
        fake.stop()
    print(f"\n=== Ingest of {COMMENTS:,} WordPress comments (SQLite) ===")
    print(f"HTTP only (fake server, 100 per page, parse JSON):  {http_only:7.1f} s")
    print(
        f"sync engine (HTTP + map + sanitise + upsert + FTS): {synced:7.1f} s  "
        f"= {COMMENTS / synced:,.0f} comments/s"
    )
    print(
        f"bare sqlite3 executemany of the same rows:         {raw:7.1f} s  "
        f"= {COMMENTS / raw:,.0f} rows/s"
    )
    print(f"sync engine minus HTTP, against bare inserts:      {(synced - http_only) / raw:7.1f}×")


if __name__ == "__main__":
    main()
