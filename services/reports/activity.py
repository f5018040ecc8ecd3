"""Who did what in a week, from escalations, replies and the audit trail: the report's activity figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.orm import QueryableAttribute, Session

from services.records.audit_actions import AuditAction
from services.store import id_lists
from services.store.models import Item, Reply, ReplyState
from services.store.models_audit import AuditEvent
from services.store.models_desk import Escalation
from services.store.planner import unindexed, unindexed_text


def minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 2)


@dataclass(frozen=True)
class EscalationFacts:
    item_id: int
    raised_by: str
    target: str
    reason: str
    created_at: datetime
    resolved_at: datetime | None
    permalink: str | None


@dataclass(frozen=True)
class ReviewDecision:
    reply_id: int
    reviewer: str
    decision: str
    at: datetime
    turnaround_minutes: float | None


@dataclass(frozen=True)
class Workload:
    handled: int = 0
    replied: int = 0
    escalated: int = 0


def escalations(
    s: Session,
    users: dict[int, str],
    start: datetime | None,
    end: datetime,
    open_only: bool = False,
) -> list[EscalationFacts]:
    """Raised in [start, end) (from any time before `end` when start is None).

    `open_only`: only those still unresolved at `end`, decided by the database, so the report
    never reads every escalation ever raised.
    """
    stmt = (
        select(
            Escalation.item_id,
            Escalation.raised_by_id,
            Escalation.to_user_id,
            Escalation.to_team,
            Escalation.reason,
            Escalation.created_at,
            Escalation.resolved_at,
            Item.permalink,
        )
        .join(Item, Item.id == Escalation.item_id)
        .where(Escalation.created_at < end)
    )
    if start is not None:
        stmt = stmt.where(Escalation.created_at >= start)
    if open_only:
        stmt = stmt.where(or_(Escalation.resolved_at.is_(None), Escalation.resolved_at >= end))
    return [
        EscalationFacts(
            item_id,
            users.get(raised_by, "?"),
            users.get(to_user, "?") if to_user else (to_team or "?"),
            reason,
            created_at,
            resolved_at,
            link,
        )
        for item_id, raised_by, to_user, to_team, reason, created_at, resolved_at, link in s.execute(
            stmt.order_by(Escalation.created_at)
        )
    ]


def _events(
    s: Session,
    columns: tuple[ColumnElement[Any] | QueryableAttribute[Any], ...],
    actions: tuple[str, ...],
    start: datetime,
    end: datetime,
) -> list[Sequence[Any]]:
    """The `columns` of the week's audit events of `actions`, in order: never whole events."""
    stmt = select(*columns).where(
        AuditEvent.action.in_(actions), AuditEvent.at >= start, AuditEvent.at < end
    )
    return list(s.connection().execute(stmt.order_by(AuditEvent.seq)).all())


def _after(key: str) -> ColumnElement[Any]:
    """One value of an event's `after` JSON, read by the database (no JSON decoded here)."""
    value: ColumnElement[Any] = AuditEvent.after[key].as_string()
    return value


def moderation(s: Session, start: datetime, end: datetime) -> dict[str, int]:
    rows = _events(s, (_after("action"),), (AuditAction.ITEM_MODERATE,), start, end)
    return dict(Counter(str(action) for (action,) in rows))


def decisions(
    s: Session, users: dict[int, str], start: datetime, end: datetime
) -> list[ReviewDecision]:
    reply_id = AuditEvent.after["reply_id"].as_integer()
    dialect = s.get_bind().dialect.name
    decided = _events(
        s,
        (AuditEvent.action, AuditEvent.actor_id, AuditEvent.at, reply_id, AuditEvent.subject_id),
        (AuditAction.REPLY_APPROVE, AuditAction.REPLY_RETURN),
        start,
        end,
    )
    # Only the submissions of the items decided this week, by subject (ix_audit_subject): the
    # report grows with the week, not with the workspace's age. The ids are a list, not a
    # subquery: PostgreSQL without statistics ran that subquery once per submission ever made.
    decided_items = sorted({row[4] for row in decided if row[4] is not None})
    submits: dict[int, list[datetime]] = defaultdict(list)
    if decided_items:
        for at, submitted in s.connection().execute(_submissions(decided_items, end, dialect)):
            submits[int(submitted or 0)].append(at)
    out = []
    for action, actor_id, at, decided_reply, _item in decided:
        rid = int(decided_reply or 0)
        earlier = [t for t in submits.get(rid, []) if t <= at]
        out.append(
            ReviewDecision(
                rid,
                users.get(actor_id or 0, "?"),
                "approved" if action == AuditAction.REPLY_APPROVE else "returned",
                at,
                minutes(at - max(earlier)) if earlier else None,
            )
        )
    return out


def _submissions(items: list[int], end: datetime, dialect: str) -> Select[datetime, int]:
    """When each reply of these items was submitted for review, before `end`: (at, reply id).

    Looked up item by item along ix_audit_subject. On PostgreSQL each id is its own probe
    (id_lists.each_on_postgresql): given them all at once without statistics it read every
    item event in the table (0.25 s a week at a million items; 0.1 s now).
    """
    reply_id = AuditEvent.after["reply_id"].as_integer()
    submitted = (
        unindexed_text(AuditEvent.action) == AuditAction.REPLY_SUBMIT,
        AuditEvent.subject_type == "item",
        AuditEvent.at < end,
    )
    if dialect != "postgresql":
        among = id_lists.among(AuditEvent.subject_id, items, dialect)
        return select(AuditEvent.at, reply_id).where(*submitted, among)
    wanted = id_lists.each_on_postgresql(items)
    found = (
        select(AuditEvent.at, reply_id.label("reply_id"))
        .where(*submitted, AuditEvent.subject_id == wanted.c.id)
        .offset(0)  # a fence: kept a per-id probe, not flattened into one join
        .lateral()
    )
    return select(found.c.at, found.c.reply_id).select_from(wanted).join(found, true())


def workload(
    s: Session, users: dict[int, str], start: datetime, end: datetime
) -> dict[str, Workload]:
    # An item counts once for the person whose last status change on it in the week left it
    # done: marking done and then undoing (or re-opening) it is no work done.
    last: dict[tuple[int, int], str | None] = {}
    for actor_id, subject_id, status in _events(
        s,
        (AuditEvent.actor_id, AuditEvent.subject_id, _after("status")),
        (AuditAction.ITEM_STATUS,),
        start,
        end,
    ):
        if actor_id and subject_id is not None:
            last[(actor_id, subject_id)] = status
    handled = Counter(
        users.get(actor_id, "?") for (actor_id, _item), status in last.items() if status == "done"
    )
    replied = Counter(
        users.get(a, "?")
        for (a,) in s.execute(
            select(Reply.author_id).where(
                # By the week's send times (ix_reply_sent), not among every reply ever sent.
                unindexed(Reply.state, s.get_bind().dialect.name) == ReplyState.SENT,
                Reply.sent_at >= start,
                Reply.sent_at < end,
            )
        )
    )
    escalated = Counter(
        users.get(a, "?")
        for (a,) in s.execute(
            select(Escalation.raised_by_id).where(
                Escalation.created_at >= start, Escalation.created_at < end
            )
        )
    )
    names = sorted(set(handled) | set(replied) | set(escalated))
    return {n: Workload(handled[n], replied[n], escalated[n]) for n in names}
