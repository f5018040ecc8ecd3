"""Who did what in a week, from escalations, replies and the audit trail: the report's activity figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.audit_actions import AuditAction
from services.store.models import AuditEvent, Escalation, Item, Reply, ReplyState


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
    s: Session, users: dict[int, str], start: datetime | None, end: datetime
) -> list[EscalationFacts]:
    stmt = (
        select(Escalation, Item.permalink)
        .join(Item, Item.id == Escalation.item_id)
        .where(Escalation.created_at < end)
    )
    if start is not None:
        stmt = stmt.where(Escalation.created_at >= start)
    return [
        EscalationFacts(
            e.item_id,
            users.get(e.raised_by_id, "?"),
            users.get(e.to_user_id, "?") if e.to_user_id else (e.to_team or "?"),
            e.reason,
            e.created_at,
            e.resolved_at,
            link,
        )
        for e, link in s.execute(stmt.order_by(Escalation.created_at))
    ]


def _events(
    s: Session, actions: tuple[str, ...], start: datetime | None, end: datetime
) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action.in_(actions), AuditEvent.at < end)
    if start is not None:
        stmt = stmt.where(AuditEvent.at >= start)
    return list(s.scalars(stmt.order_by(AuditEvent.seq)))


def moderation(s: Session, start: datetime, end: datetime) -> dict[str, int]:
    return dict(
        Counter(
            str((e.after or {}).get("action"))
            for e in _events(s, (AuditAction.ITEM_MODERATE,), start, end)
        )
    )


def decisions(
    s: Session, users: dict[int, str], start: datetime, end: datetime
) -> list[ReviewDecision]:
    decided = _events(s, (AuditAction.REPLY_APPROVE, AuditAction.REPLY_RETURN), start, end)
    # Only the submissions of the items decided this week: the report grows with the week,
    # not with the workspace's age.
    decided_items = (
        select(AuditEvent.subject_id)
        .where(
            AuditEvent.action.in_((AuditAction.REPLY_APPROVE, AuditAction.REPLY_RETURN)),
            AuditEvent.at >= start,
            AuditEvent.at < end,
        )
        .scalar_subquery()
    )
    submits: dict[int, list[datetime]] = defaultdict(list)
    for at, after in s.execute(
        select(AuditEvent.at, AuditEvent.after).where(
            AuditEvent.action == AuditAction.REPLY_SUBMIT,
            AuditEvent.subject_type == "item",
            AuditEvent.subject_id.in_(decided_items),
            AuditEvent.at < end,
        )
    ):
        submits[int((after or {}).get("reply_id", 0))].append(at)
    out = []
    for e in decided:
        reply_id = int((e.after or {}).get("reply_id", 0))
        earlier = [t for t in submits.get(reply_id, []) if t <= e.at]
        out.append(
            ReviewDecision(
                reply_id,
                users.get(e.actor_id or 0, "?"),
                "approved" if e.action == AuditAction.REPLY_APPROVE else "returned",
                e.at,
                minutes(e.at - max(earlier)) if earlier else None,
            )
        )
    return out


def workload(
    s: Session, users: dict[int, str], start: datetime, end: datetime
) -> dict[str, Workload]:
    # An item counts once for the person whose last status change on it in the week left it
    # done: marking done and then undoing (or re-opening) it is no work done.
    last: dict[tuple[int, int], str | None] = {}
    for e in _events(s, (AuditAction.ITEM_STATUS,), start, end):
        if e.actor_id and e.subject_id is not None:
            last[(e.actor_id, e.subject_id)] = (e.after or {}).get("status")
    handled = Counter(
        users.get(actor_id, "?") for (actor_id, _item), status in last.items() if status == "done"
    )
    replied = Counter(
        users.get(a, "?")
        for (a,) in s.execute(
            select(Reply.author_id).where(
                Reply.state == ReplyState.SENT, Reply.sent_at >= start, Reply.sent_at < end
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
