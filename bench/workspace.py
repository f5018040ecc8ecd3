"""Builds large synthetic workspaces for benchmarks, straight through sqlite3 for speed."""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.store.db import make_engine, upgrade

WORDS = [
    "police",
    "station",
    "letter",
    "reply",
    "speeding",
    "school",
    "car",
    "bike",
    "stolen",
    "report",
    "online",
    "officer",
    "thanks",
    "community",
    "meeting",
    "road",
    "closed",
    "appeal",
    "witness",
    "cctv",
    "night",
    "noise",
    "parking",
    "neighbour",
    "complaint",
    "phone",
    "waited",
    "answer",
    "safety",
    "patrol",
    "estate",
    "park",
    "shop",
    "window",
    "drugs",
    "dealing",
    "flat",
    "street",
    "council",
    "bins",
    "help",
    "please",
    "urgent",
    "update",
    "reference",
]
TAGS = (
    "complaint",
    "question",
    "praise",
    "urgent",
    "road-safety",
    "crime-report",
    "press",
    "hostile",
)
KINDS = ("wordpress", "feed", "email", "mastodon", "bluesky", "facebook")
STATUSES = ("new", "open", "open", "pending", "done", "done", "done", "done", "spam", "open")


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def build(
    path: Path, items: int, seed: int = 7, now: datetime | None = None, last_week: int = 0
) -> float:
    """Create `path` with `items` items over a year (the newest `last_week` of them within the
    last seven days); returns seconds taken."""
    started = time.perf_counter()
    path.unlink(missing_ok=True)
    engine = make_engine(str(path))
    upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        for i, kind in enumerate(KINDS, 1):
            conn.execute(
                "INSERT INTO channel (id, name, kind, config, enabled, poll_seconds, state, cursor, created_at)"
                " VALUES (?, ?, ?, '{}', 0, 300, 'ok', '{}', ?)",
                (i, f"Bench {kind}", kind, _ts(now)),
            )
        conn.executemany("INSERT INTO tag (id, name) VALUES (?, ?)", list(enumerate(TAGS, 1)))
        contacts = max(1, items // 5)
        conn.executemany(
            "INSERT INTO contact (id, channel_id, external_id, handle, display_name, first_seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                (c, c % 6 + 1, f"c{c}", f"user{c}", f"Person {c}", _ts(now))
                for c in range(1, contacts + 1)
            ),
        )
        threads = max(1, items // 50)
        conn.executemany(
            "INSERT INTO thread (id, channel_id, external_id, title) VALUES (?, ?, ?, ?)",
            ((t, t % 6 + 1, f"t{t}", f"Thread {t}") for t in range(1, threads + 1)),
        )
    span = timedelta(days=365).total_seconds()
    batch: list[tuple[object, ...]] = []
    tags: list[tuple[int, int]] = []
    with conn:
        for n in range(1, items + 1):
            if n > items - last_week:
                at = now - timedelta(seconds=7 * 86400 * (items - n) / last_week)
            else:
                at = (
                    now
                    - timedelta(days=7)
                    - timedelta(seconds=span * (items - last_week - n) / items)
                )
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
            status = rng.choice(STATUSES)
            batch.append(
                (
                    n,
                    n % 6 + 1,
                    f"e{n}",
                    n % threads + 1,
                    rng.randint(1, contacts),
                    "inbound",
                    "comment",
                    text,
                    _ts(at),
                    _ts(at),
                    "published",
                    status,
                    0,
                    1,
                    1,
                )
            )
            if rng.random() < 0.12:
                tags.append((n, rng.randint(1, len(TAGS))))
            if len(batch) >= 20_000:
                _flush(conn, batch)
        _flush(conn, batch)
        conn.executemany("INSERT OR IGNORE INTO item_tag (item_id, tag_id) VALUES (?, ?)", tags)
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


def _flush(conn: sqlite3.Connection, batch: list[tuple[object, ...]]) -> None:
    conn.executemany(
        "INSERT INTO item (id, channel_id, external_id, thread_id, contact_id, direction, kind, body_text,"
        " created_at, received_at, source_state, status, priority, needs_reply, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        batch,
    )
    batch.clear()
