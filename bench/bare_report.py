"""The weekly report's figures as bare SQL aggregates (this week and the previous one).

Counts and shares are GROUP BY / SUM(CASE …) in the database; medians and 90th percentiles
are taken in Python from the one column they need, as any hand-written report would.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from bench.bare import Bare

SLA_HOURS = 24


def _minutes(b: Bare, later: str, earlier: str) -> str:
    if b.dialect == "sqlite":
        return f"(julianday({later}) - julianday({earlier})) * 1440"
    return f"extract(epoch from {later} - {earlier}) / 60"


def _day(b: Bare, column: str) -> str:
    if b.dialect == "sqlite":
        return f"date({column})"
    return f"date({column} AT TIME ZONE 'Europe/London')"


def _median_p90(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    data = sorted(values)
    p90 = data[0] if len(data) == 1 else statistics.quantiles(data, n=10, method="inclusive")[8]
    return statistics.median(data), p90


def week_figures(b: Bare, start: datetime, end: datetime) -> dict[str, Any]:
    s, e = b.ts(start), b.ts(end)
    week = "i.direction = 'inbound' AND i.created_at >= ? AND i.created_at < ?"
    needs = (
        "i.needs_reply = ? AND i.status != 'spam' AND i.kind != 'feed_entry'"
        " AND i.created_at >= ch.created_at"
    )
    frt = _minutes(b, "i.first_response_at", "i.created_at")
    late = _minutes(b, "?", "i.created_at")
    out: dict[str, Any] = {}
    out["volume"] = b.all(
        f"SELECT i.channel_id, {_day(b, 'i.created_at')}, count(*) FROM item i"
        f" WHERE {week} GROUP BY 1, 2",
        [s, e],
    )
    out["totals"] = b.all(
        f"SELECT sum(CASE WHEN {needs} THEN 1 ELSE 0 END),"
        f" sum(CASE WHEN {needs} AND i.first_response_at <= ? THEN 1 ELSE 0 END),"
        f" sum(CASE WHEN {needs} AND i.first_response_at <= ? AND {frt} <= {SLA_HOURS * 60}"
        " THEN 1 ELSE 0 END),"
        f" sum(CASE WHEN {needs} AND (i.first_response_at IS NULL OR i.first_response_at > ?)"
        f" AND {late} > {SLA_HOURS * 60} THEN 1 ELSE 0 END),"
        " sum(CASE WHEN i.status = 'spam' OR i.source_state IN ('spam', 'hidden')"
        " THEN 1 ELSE 0 END)"
        f" FROM item i JOIN channel ch ON ch.id = i.channel_id WHERE {week}",
        [True, True, e, True, e, True, e, e, s, e],
    )
    out["sentiment"] = b.all(
        f"SELECT i.sentiment, count(*) FROM item i WHERE {week} GROUP BY 1", [s, e]
    )
    frts = b.all(
        f"SELECT i.channel_id, i.first_responder_id, {frt} FROM item i"
        f" JOIN channel ch ON ch.id = i.channel_id WHERE {week} AND {needs}"
        " AND i.first_response_at <= ?",
        [s, e, True, e],
    )
    out["frt"] = _median_p90([float(r[2]) for r in frts])
    resolution = b.col(
        f"SELECT {_minutes(b, 'i.resolved_at', 'i.created_at')} FROM item i WHERE {week}"
        " AND i.status = 'done' AND i.resolved_at <= ?",
        [s, e, e],
    )
    out["resolution"] = _median_p90([float(v) for v in resolution])
    out["tags"] = b.all(
        "SELECT it.tag_id, count(*) FROM item i JOIN item_tag it ON it.item_id = i.id"
        f" WHERE {week} GROUP BY 1",
        [s, e],
    )
    out["new_contacts"] = b.one(
        "SELECT count(*) FROM contact WHERE first_seen_at >= ? AND first_seen_at < ?", [s, e]
    )
    out["escalations"] = b.all(
        "SELECT reason, to_team, raised_by_id, count(*) FROM escalation"
        " WHERE created_at >= ? AND created_at < ? GROUP BY 1, 2, 3",
        [s, e],
    )
    out["open_escalations"] = b.one(
        "SELECT count(*) FROM escalation WHERE created_at < ?"
        " AND (resolved_at IS NULL OR resolved_at >= ?)",
        [e, e],
    )
    decided = b.all(
        "SELECT subject_id, at, actor_id, action FROM audit_event"
        " WHERE action IN ('reply.approve', 'reply.return') AND at >= ? AND at < ?",
        [s, e],
    )
    subjects = sorted({d[0] for d in decided})
    if subjects:
        b.all(
            "SELECT subject_id, max(at) FROM audit_event WHERE subject_type = 'item'"
            f" AND subject_id IN ({','.join('?' * len(subjects))}) AND action = 'reply.submit'"
            " AND at < ? GROUP BY subject_id",
            [*subjects, e],
        )
    out["decisions"] = len(decided)
    out["handled"] = b.all(
        "SELECT actor_id, count(DISTINCT subject_id) FROM audit_event"
        " WHERE action = 'item.status' AND at >= ? AND at < ? AND CAST(after AS TEXT) LIKE ?"
        " GROUP BY actor_id",
        [s, e, '%"status":"done"%'],
    )
    out["replied"] = b.all(
        "SELECT author_id, count(*) FROM reply WHERE state = 'sent' AND sent_at >= ?"
        " AND sent_at < ? GROUP BY author_id",
        [s, e],
    )
    out["moderation"] = b.one(
        "SELECT count(*) FROM audit_event WHERE action = 'item.moderate' AND at >= ? AND at < ?",
        [s, e],
    )
    return out


def report(b: Bare, start: datetime, end: datetime) -> list[dict[str, Any]]:
    week = timedelta(days=7)
    return [week_figures(b, start, end), week_figures(b, start - week, start)]
