"""The SLA policy (response target, optional business hours) as data, and time measured against it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.errors import InvalidInput
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.workspace import settings as workspace_settings
from services.workspace.actor import Actor, Permission
from services.workspace.unit_of_work import write_transaction

KEY = workspace_settings.SLA_POLICY.key


@dataclass(frozen=True)
class BusinessHours:
    start: time
    end: time
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0


@dataclass(frozen=True)
class SlaPolicy:
    target_hours: float = 24.0
    business_hours: BusinessHours | None = None

    def due(self, received: datetime, tz: ZoneInfo) -> datetime:
        """When an answer is due; with business hours, the target counts working time only."""
        if self.business_hours is None:
            return received + timedelta(hours=self.target_hours)
        remaining = timedelta(hours=self.target_hours)
        cursor = received.astimezone(tz)
        bh = self.business_hours
        for _ in range(3660):  # at most ten years of days: ends long before for any sane target
            day_start = datetime.combine(cursor.date(), bh.start, tz)
            day_end = datetime.combine(cursor.date(), bh.end, tz)
            if cursor.weekday() in bh.weekdays and cursor < day_end:
                begin = max(cursor, day_start)
                if begin + remaining <= day_end:
                    return begin + remaining
                remaining -= day_end - begin
            cursor = datetime.combine(cursor.date() + timedelta(days=1), time(0), tz)
        raise InvalidInput("the SLA target is too long for the business hours set")


def load(session: Session) -> SlaPolicy:
    v = workspace_settings.value(session, workspace_settings.SLA_POLICY) or {}
    bh = v.get("business_hours")
    return SlaPolicy(
        float(v.get("target_hours", 24)),
        BusinessHours(
            time.fromisoformat(bh["start"]),
            time.fromisoformat(bh["end"]),
            tuple(bh.get("weekdays", (0, 1, 2, 3, 4))),
        )
        if bh
        else None,
    )


def set_policy(factory: SessionFactory, actor: Actor, policy: SlaPolicy) -> None:
    actor.require(Permission.MANAGE)
    if policy.target_hours <= 0:
        raise InvalidInput("the response target must be a positive number of hours")
    value: dict[str, object] = {"target_hours": policy.target_hours}
    if policy.business_hours is not None:
        bh = policy.business_hours
        if bh.end <= bh.start:
            raise InvalidInput("business hours must end after they start")
        value["business_hours"] = {
            "start": bh.start.isoformat("minutes"),
            "end": bh.end.isoformat("minutes"),
            "weekdays": list(bh.weekdays),
        }
    with write_transaction(factory, actor) as tx:
        # Keep what services/desk/sla_policy.py adds (per channel and tag, holidays, timers).
        kept = workspace_settings.value(tx.session, workspace_settings.SLA_POLICY) or {}
        kept = {k: v for k, v in kept.items() if k not in ("target_hours", "business_hours")}
        workspace_settings.put(tx, KEY, {**kept, **value}, AuditAction.POLICY_SLA)
