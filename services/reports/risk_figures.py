"""The weekly report's risk figures: flags raised, time to first action on urgent items, false flags.

Definitions:
- Flag raised: an item's risk level rose (none → watch or urgent, watch → urgent)
  in the week, by the rules or by a person; each item counts once, at the
  highest level it was raised to in the week.
- Time to first action on an urgent item: from the first rise to urgent in
  the week to the first thing a person did on the item after it (any audited
  action on the item, or a reply a person drafted on it, never the automatic out-of-hours
  acknowledgement), by the cut-off. Urgent items nobody had acted on by the cut-off are
  counted as waiting.
- Flag cleared as false: a person set a flagged item's level to none in the week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.desk import automatic_replies
from services.desk.risk_levels import rank
from services.reports.activity import minutes
from services.store.models import Reply
from services.store.models_audit import AuditEvent
from services.store.models_desk import RiskChange


@dataclass(frozen=True)
class RiskFigures:
    raised_urgent: int = 0
    raised_watch: int = 0
    first_action_minutes: tuple[float, ...] = ()
    urgent_waiting: int = 0  # raised to urgent in the week, no action by the cut-off
    cleared_as_false: int = 0
    urgent_items: tuple[int, ...] = field(default=(), repr=False)


def _first_actions(s: Session, raised: dict[int, datetime], as_of: datetime) -> dict[int, datetime]:
    ids = list(raised)
    first: dict[int, datetime] = {}

    def keep(item_id: int, at: datetime) -> None:
        if at >= raised[item_id] and at <= as_of and (item_id not in first or at < first[item_id]):
            first[item_id] = at

    for chunk in (ids[n : n + 500] for n in range(0, len(ids), 500)):
        for item_id, at in s.execute(
            select(AuditEvent.subject_id, AuditEvent.at).where(
                AuditEvent.subject_type == "item",
                AuditEvent.subject_id.in_(chunk),
                AuditEvent.actor_id.is_not(None),
            )
        ):
            if item_id is not None:
                keep(int(item_id), at)
        for item_id, at in s.execute(
            select(Reply.item_id, func.min(Reply.created_at))
            .where(Reply.item_id.in_(chunk), automatic_replies.by_a_person())
            .group_by(Reply.item_id)
        ):
            keep(int(item_id), at)
    return first


def compute(s: Session, start: datetime, end: datetime, as_of: datetime) -> RiskFigures:
    rows = s.execute(
        select(
            RiskChange.item_id,
            RiskChange.at,
            RiskChange.level_before,
            RiskChange.level_after,
            RiskChange.by_id,
        )
        .where(RiskChange.at >= start, RiskChange.at < end, RiskChange.at <= as_of)
        .order_by(RiskChange.at, RiskChange.id)
    ).all()
    highest: dict[int, str] = {}
    urgent_at: dict[int, datetime] = {}
    cleared: set[int] = set()
    for item_id, at, before, after, by_id in rows:
        if rank(after) > rank(before) and after is not None:
            if rank(after) > rank(highest.get(item_id)):
                highest[item_id] = after
            if after == "urgent":
                urgent_at.setdefault(item_id, at)
        if by_id is not None and before is not None and after is None:
            cleared.add(item_id)
    acted = _first_actions(s, urgent_at, as_of)
    return RiskFigures(
        raised_urgent=sum(1 for v in highest.values() if v == "urgent"),
        raised_watch=sum(1 for v in highest.values() if v == "watch"),
        first_action_minutes=tuple(
            minutes(acted[i] - urgent_at[i]) for i in sorted(urgent_at) if i in acted
        ),
        urgent_waiting=sum(1 for i in urgent_at if i not in acted),
        cleared_as_false=len(cleared),
        urgent_items=tuple(sorted(urgent_at)),
    )
