"""The baselines: the same answers by hand-written SQL on a plain DB-API connection.

Each function returns what the app's path returns (ids, rows or counts), written the way
a DBA would write it for the indexes the schema has, so `app ÷ bare` shows what the app's
layers and its plans cost over the database itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

INBOX_STATUSES = ("new", "open")


class Bare:
    """A DB-API connection with `?` placeholders on both databases."""

    def __init__(self, url: str, dialect: str) -> None:
        self.dialect = dialect
        self.conn: Any
        if dialect == "sqlite":
            self.conn = sqlite3.connect(url, isolation_level=None)
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
                self.conn.execute(f"PRAGMA {pragma}")
        else:
            self.conn = psycopg.connect(url, autocommit=True)

    def sql(self, text: str) -> str:
        return text if self.dialect == "sqlite" else text.replace("?", "%s")

    def all(self, text: str, params: Sequence[object] = ()) -> list[Any]:
        return list(self.conn.execute(self.sql(text), tuple(params)).fetchall())

    def col(self, text: str, params: Sequence[object] = ()) -> list[Any]:
        return [r[0] for r in self.conn.execute(self.sql(text), tuple(params))]

    def one(self, text: str, params: Sequence[object] = ()) -> Any:
        return self.conn.execute(self.sql(text), tuple(params)).fetchone()[0]

    def many(self, text: str, rows: Sequence[Sequence[object]]) -> None:
        if self.dialect == "sqlite":
            self.conn.executemany(text, rows)
        else:
            with self.conn.cursor() as cur:
                cur.executemany(self.sql(text), rows)

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def checkpoint(self) -> None:
        """SQLite: copy the WAL into the database and empty it, so the next write pays for
        no checkpoint left by an earlier one (whoever's commit crosses 1,000 pages pays)."""
        if self.dialect == "sqlite":
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def ts(self, moment: datetime) -> object:
        """A bound timestamp as each database stores it (naive UTC text on SQLite)."""
        if self.dialect == "sqlite":
            return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment

    def ids(self, where: str, params: Sequence[object] = (), limit: int | None = None) -> list[int]:
        tail = f" LIMIT {limit}" if limit else ""
        return self.col(
            f"SELECT id FROM item WHERE {where} ORDER BY received_at DESC, id DESC{tail}", params
        )

    def text_match(self, words: str, negated: str | None = None) -> tuple[str, list[object]]:
        """A condition on item.id/search_vector for words (and NOT a word)."""
        if self.dialect == "sqlite":
            match = " ".join(f'"{w}"' for w in words.split())
            if negated:
                match += f' NOT "{negated}"'
            return "id IN (SELECT rowid FROM item_fts WHERE item_fts MATCH ?)", [match]
        cond = "search_vector @@ plainto_tsquery('english', ?)"
        params: list[object] = [words]
        if negated:
            cond += " AND NOT search_vector @@ plainto_tsquery('english', ?)"
            params.append(negated)
        return cond, params

    def close(self) -> None:
        self.conn.close()


def inbox_page(b: Bare, now: datetime, limit: int = 100) -> list[int]:
    """The Inbox's newest rows: one short range scan of ix_item_inbox per status, merged."""
    per = " UNION ALL ".join(
        f"SELECT * FROM (SELECT id, received_at FROM item WHERE status = '{s}'"
        f" ORDER BY received_at DESC, id DESC LIMIT {limit}) s{n}"
        for n, s in enumerate(INBOX_STATUSES)
    )
    snoozed = (
        "SELECT * FROM (SELECT id, received_at FROM item WHERE status = 'snoozed'"
        f" AND snoozed_until <= ? ORDER BY received_at DESC, id DESC LIMIT {limit}) sz"
    )
    return b.col(
        f"SELECT id FROM ({per} UNION ALL {snoozed}) u ORDER BY received_at DESC, id DESC"
        f" LIMIT {limit}",
        [b.ts(now)],
    )


def display_rows(b: Bare, ids: list[int]) -> list[Any]:
    """What a list row shows, by primary key: item, author, assignee, tags, escalation, reply."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = b.all(
        "SELECT i.id, i.version, i.channel_id, i.kind, i.direction, c.display_name, c.handle,"
        " substr(i.body_text, 1, 160), i.received_at, i.status, i.snoozed_until, u.name,"
        " i.needs_reply, i.first_response_at, i.priority, i.created_at FROM item i"
        " LEFT JOIN contact c ON c.id = i.contact_id LEFT JOIN user_account u"
        f" ON u.id = i.assignee_id WHERE i.id IN ({marks})",
        ids,
    )
    b.all(
        "SELECT it.item_id, t.name FROM item_tag it JOIN tag t ON t.id = it.tag_id"
        f" WHERE it.item_id IN ({marks})",
        ids,
    )
    b.all(f"SELECT item_id FROM escalation WHERE item_id IN ({marks}) AND resolved_at IS NULL", ids)
    b.all(f"SELECT item_id, state FROM reply WHERE item_id IN ({marks}) ORDER BY id", ids)
    b.all("SELECT id, name, kind, created_at FROM channel")
    return rows


def sidebar_counts(b: Bare, now: datetime, user_id: int) -> list[Any]:
    """The sidebar's numbers, driven from the small Inbox part of the index where they can be."""
    t = b.ts(now)
    inbox = "(status IN ('new', 'open') OR (status = 'snoozed' AND snoozed_until <= ?))"
    out: list[Any] = [
        b.all(
            f"SELECT channel_id, count(*) FROM item WHERE {inbox} GROUP BY channel_id",
            [t],
        ),
        b.all(
            "SELECT it.tag_id, count(*) FROM item i JOIN item_tag it ON it.item_id = i.id"
            f" WHERE {inbox.replace('status', 'i.status').replace('snoozed_until', 'i.snoozed_until')}"
            " GROUP BY it.tag_id",
            [t],
        ),
        b.one("SELECT count(*) FROM item WHERE status = 'new'"),
        b.one(
            "SELECT count(*) FROM item WHERE assignee_id = ? AND status NOT IN ('done', 'spam')",
            [user_id],
        ),
        b.one("SELECT count(DISTINCT item_id) FROM escalation WHERE resolved_at IS NULL"),
        b.one("SELECT count(*) FROM item WHERE status = 'snoozed' AND snoozed_until > ?", [t]),
        b.one(
            "SELECT count(*) FROM item WHERE status IN ('new', 'open', 'pending', 'snoozed')"
            " AND direction = 'inbound' AND needs_reply = ? AND kind != 'feed_entry'"
            " AND first_response_at IS NULL",
            [True],
        ),
        b.one("SELECT count(DISTINCT item_id) FROM reply WHERE state = 'in_review'"),
        b.all(
            "SELECT state, count(DISTINCT item_id) FROM reply WHERE author_id = ?"
            " AND state IN ('returned', 'failed') GROUP BY state",
            [user_id],
        ),
        b.all("SELECT id, name, kind, state FROM channel ORDER BY name"),
    ]
    return out
