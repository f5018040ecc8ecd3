"""Bare writes: ingest pages and bulk triage as plain executemany, with the rows the app writes.

Fair to the app: each page (or bulk action) is one transaction, new contacts are created
and looked up, tags and statuses leave one audit event per item (placeholder hashes) and
bump the item's version, and the change feed gets its row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from bench.bare import Bare
from services.channels.incoming import Incoming
from services.store.models import utcnow


def ingest_pages(b: Bare, channel_id: int, items: Sequence[Incoming], page: int) -> None:
    for k in range(0, len(items), page):
        batch = items[k : k + page]
        now = b.ts(utcnow())
        b.begin()
        authors = sorted({i.author.external_id for i in batch if i.author})
        marks = ",".join("?" * len(authors))
        sql = (
            f"SELECT external_id, id FROM contact WHERE channel_id = ? AND external_id IN ({marks})"
        )
        known = dict(b.all(sql, [channel_id, *authors]))
        new = [a for a in authors if a not in known]
        if new:
            b.many(
                "INSERT INTO contact (channel_id, external_id, handle, display_name, first_seen_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(channel_id, a, a, f"Person {a}", now) for a in new],
            )
            known = dict(b.all(sql, [channel_id, *authors]))
        threads = dict(
            b.all(
                "SELECT external_id, id FROM thread WHERE channel_id = ? AND external_id IN"
                f" ({','.join('?' * len({i.thread.external_id for i in batch if i.thread}))})",
                [channel_id, *sorted({i.thread.external_id for i in batch if i.thread})],
            )
        )
        b.many(
            "INSERT INTO item (channel_id, external_id, thread_id, contact_id, direction, kind,"
            " body_text, body_html, raw, created_at, received_at, source_state, status,"
            " priority, needs_reply, version) VALUES (?, ?, ?, ?, 'inbound', 'comment', ?, ?, ?,"
            " ?, ?, 'published', 'new', 0, ?, 1)",
            [
                (
                    channel_id,
                    i.external_id,
                    threads.get(i.thread.external_id) if i.thread else None,
                    known.get(i.author.external_id) if i.author else None,
                    (i.body_html or "").removeprefix("<p>").removesuffix("</p>"),
                    i.body_html,
                    json.dumps(i.raw),
                    b.ts(i.created_at or utcnow()),
                    now,
                    True,
                )
                for i in batch
            ],
        )
        b.all(
            "UPDATE channel SET cursor = ? WHERE id = ? RETURNING id",
            [json.dumps({"page": k}), channel_id],
        )
        _change(b, now, "items")
        b.commit()


def _change(b: Bare, now: object, kinds: str) -> None:
    b.all("INSERT INTO change (at, kinds) VALUES (?, ?) RETURNING id", [now, kinds])


def _audit(b: Bare, actor_id: int, action: str, rows: list[tuple[int, str, str]]) -> None:
    seq = int(b.one("SELECT seq FROM audit_head WHERE id = 1"))
    now = b.ts(utcnow())
    b.many(
        "INSERT INTO audit_event (seq, at, actor_id, action, subject_type, subject_id, before,"
        " after, prev_hash, hash) VALUES (?, ?, ?, ?, 'item', ?, ?, ?, ?, ?)",
        [
            (seq + n, now, actor_id, action, item, before, after, "0" * 64, "0" * 64)
            for n, (item, before, after) in enumerate(rows, 1)
        ],
    )
    b.all("UPDATE audit_head SET seq = ? WHERE id = 1 RETURNING id", [seq + len(rows)])
    _change(b, now, "items")


def bare_tag(b: Bare, actor_id: int, ids: list[int], name: str) -> None:
    b.begin()
    tag_id = b.one("SELECT id FROM tag WHERE name = ?", [name])
    marks = ",".join("?" * len(ids))
    b.many("INSERT INTO item_tag (item_id, tag_id) VALUES (?, ?)", [(i, tag_id) for i in ids])
    b.all(f"UPDATE item SET version = version + 1 WHERE id IN ({marks}) RETURNING id", ids)
    _audit(b, actor_id, "item.tag", [(i, "{}", json.dumps({"tag": name})) for i in ids])
    b.commit()


def bare_status(b: Bare, actor_id: int, ids: list[int], status: str) -> None:
    b.begin()
    marks = ",".join("?" * len(ids))
    before = b.all(f"SELECT id, status FROM item WHERE id IN ({marks})", ids)
    b.all(
        f"UPDATE item SET status = ?, resolved_at = ?, version = version + 1 WHERE id IN ({marks})"
        " RETURNING id",
        [status, b.ts(utcnow()), *ids],
    )
    _audit(
        b,
        actor_id,
        "item.status",
        [(i, json.dumps({"status": s}), json.dumps({"status": status})) for i, s in before],
    )
    b.commit()
