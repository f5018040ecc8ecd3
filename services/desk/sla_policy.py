"""The SLA policy with its three targets, per channel and per tag: which policy applies to an item.

Stored in the workspace setting SLA_POLICY (services/workspace/settings.py), one JSON object:

    target_hours      first response (the key services/desk/sla.py always had)
    update_hours      a reply due after the public writes again (absent: no update timer)
    resolution_hours  the item done by (absent: no resolution timer)
    business_hours    {start, end, weekdays}: the timers count working time only
    holidays          ["2026-12-25", ...]: whole local days the business-hours clock stops
    auto_escalate     {"team": NAME} or {"user": NAME}, "by": user id: escalate on breach
    channels          {channel id: {any of the three targets, auto_escalate}}
    tags              {tag name: {any of the three targets, auto_escalate}}

Which policy applies: a tag's over a channel's over the default. Of several tags with a policy,
the strictest wins (the shortest first-response target, then the tag name). An override names
only what differs; every other target, and the calendar (business hours and holidays, which are
the workspace's), comes from the default. Holidays count only with business hours: a policy
around the clock keeps running on a bank holiday, as a 24/7 service does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.desk import sla, teams
from services.errors import InvalidInput, NotFound
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Channel, User
from services.workspace import settings as workspace_settings
from services.workspace.actor import Actor, Permission
from services.workspace.unit_of_work import write_transaction

TARGET_KEYS = ("target_hours", "update_hours", "resolution_hours")


@dataclass(frozen=True)
class AutoEscalate:
    team: str | None
    user: str | None
    by_id: int
    """Who switched it on: escalations are raised in their name, the reason says it was automatic."""


@dataclass(frozen=True)
class Targets:
    first_hours: float
    update_hours: float | None = None
    resolution_hours: float | None = None
    auto_escalate: AutoEscalate | None = None
    source: str = "default"
    """Where it came from, for `sla show` and `item show`: default, channel NAME or tag NAME."""


@dataclass(frozen=True)
class Calendar:
    hours: sla.BusinessHours | None = None
    holidays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class PolicySet:
    default: Targets = field(default_factory=lambda: Targets(24.0))
    calendar: Calendar = field(default_factory=Calendar)
    channels: Mapping[int, Targets] = field(default_factory=dict)
    tags: Mapping[str, Targets] = field(default_factory=dict)

    # A report asks 200,000 times, for a few dozen channel-and-tags combinations.
    _chosen: dict[tuple[int, tuple[str, ...]], Targets] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )

    def for_item(self, channel_id: int, tags: Sequence[str]) -> Targets:
        if not self.tags or not tags:
            return self.channels.get(channel_id, self.default)
        key = (channel_id, tuple(tags))
        chosen = self._chosen.get(key)
        if chosen is None:
            chosen = self._chosen[key] = self._choose(channel_id, tags)
        return chosen

    def _choose(self, channel_id: int, tags: Sequence[str]) -> Targets:
        tagged = [self.tags[t] for t in tags if t in self.tags]
        if tagged:
            return min(tagged, key=lambda t: (t.first_hours, t.source))
        return self.channels.get(channel_id, self.default)

    def all_targets(self) -> list[Targets]:
        return [self.default, *self.channels.values(), *self.tags.values()]


def _auto(v: Any) -> AutoEscalate | None:
    if not isinstance(v, dict) or not (v.get("team") or v.get("user")):
        return None
    return AutoEscalate(v.get("team"), v.get("user"), int(v.get("by", 0)))


def _hours(v: Any) -> float | None:
    return None if v is None else float(v)


def _override(base: Targets, v: Mapping[str, Any], source: str) -> Targets:
    return Targets(
        float(v.get("target_hours", base.first_hours)),
        _hours(v["update_hours"]) if "update_hours" in v else base.update_hours,
        _hours(v["resolution_hours"]) if "resolution_hours" in v else base.resolution_hours,
        _auto(v["auto_escalate"]) if "auto_escalate" in v else base.auto_escalate,
        source,
    )


def parse(value: Mapping[str, Any], channel_names: Mapping[int, str]) -> PolicySet:
    bh = value.get("business_hours")
    default = _override(Targets(24.0), value, "default")
    channels = {
        int(cid): _override(default, v, f"channel {channel_names.get(int(cid), cid)}")
        for cid, v in (value.get("channels") or {}).items()
    }
    tags = {
        name: _override(default, v, f"tag {name}") for name, v in (value.get("tags") or {}).items()
    }
    holidays = frozenset(date.fromisoformat(d) for d in value.get("holidays") or ())
    return PolicySet(
        default, Calendar(_business_hours(bh) if bh else None, holidays), channels, tags
    )


def _business_hours(bh: Mapping[str, Any]) -> sla.BusinessHours:
    return sla.BusinessHours(
        time.fromisoformat(bh["start"]),
        time.fromisoformat(bh["end"]),
        tuple(bh.get("weekdays", (0, 1, 2, 3, 4))),
    )


def stored(session: Session) -> dict[str, Any]:
    return workspace_settings.value(session, workspace_settings.SLA_POLICY) or {}


def load(session: Session) -> PolicySet:
    names = {cid: name for cid, name in session.execute(select(Channel.id, Channel.name))}
    return parse(stored(session), names)


def validate_targets(v: Mapping[str, Any]) -> None:
    for key in TARGET_KEYS:
        if key in v and v[key] is not None and float(v[key]) <= 0:
            raise InvalidInput(f"{key.replace('_', ' ')} must be a positive number of hours")


def with_targets(
    value: Mapping[str, Any], scope: str | None, name: str | None, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """A copy of the stored value with `changes` applied to the default (scope None), or to
    one channel's or tag's override (scope "channels"/"tags"); a None value removes a key."""
    validate_targets(changes)
    new = dict(value)
    if scope is None:
        target = new
    else:
        group = dict(new.get(scope) or {})
        target = dict(group.get(str(name)) or {})
        group[str(name)] = target
        new[scope] = group
    for key, v in changes.items():
        if v is None:
            target.pop(key, None)
        else:
            target[key] = v
    return new


def without_scope(value: Mapping[str, Any], scope: str, name: str) -> dict[str, Any]:
    new = dict(value)
    group = dict(new.get(scope) or {})
    if name not in group:
        raise InvalidInput(f"no SLA policy for {scope[:-1]} {name!r}")
    del group[name]
    new[scope] = group
    return new


def with_holidays(
    value: Mapping[str, Any], add: Sequence[date], remove: Sequence[date]
) -> dict[str, Any]:
    days = {date.fromisoformat(d) for d in value.get("holidays") or ()}
    days = (days | set(add)) - set(remove)
    return {**value, "holidays": [d.isoformat() for d in sorted(days)]}


def describe(p: PolicySet) -> list[str]:
    """The policy in lines of text, for `sla show`."""

    def one(t: Targets) -> str:
        parts = [f"first response {t.first_hours:g} h"]
        parts.append(f"update {t.update_hours:g} h" if t.update_hours else "no update timer")
        parts.append(
            f"resolution {t.resolution_hours:g} h" if t.resolution_hours else "no resolution timer"
        )
        if t.auto_escalate:
            a = t.auto_escalate
            parts.append(f"escalates on breach to {'team ' + a.team if a.team else a.user}")
        return f"{t.source}: " + ", ".join(parts)

    cal = p.calendar
    lines = [one(t) for t in (p.default, *p.channels.values(), *p.tags.values())]
    if cal.hours:
        days = "".join("MTWTFSS"[d] for d in cal.hours.weekdays)
        lines.append(
            f"business hours {cal.hours.start:%H:%M}-{cal.hours.end:%H:%M} on {days}"
            + (
                f"; holidays {', '.join(d.isoformat() for d in sorted(cal.holidays))}"
                if cal.holidays
                else ""
            )
        )
    else:
        lines.append("clock runs around the clock (holidays apply only with business hours)")
    return lines


def _check_target(session: Session, auto: AutoEscalate | None) -> None:
    """An automatic escalation must name a team or an active person that exists."""
    if auto is None:
        return
    if auto.team:
        teams.find(session, auto.team)  # NotFound names the team
    elif (
        session.scalar(select(User.id).where(User.name == auto.user, User.active.is_(True))) is None
    ):
        raise NotFound(f"no active user named {auto.user!r} to escalate to")


def change(
    factory: SessionFactory, actor: Actor, edit: Callable[[dict[str, Any]], dict[str, Any]]
) -> PolicySet:
    """Apply `edit` to the stored policy (admins), audited as policy.sla; the new policy."""
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        new = edit(stored(tx.session))
        names = {cid: name for cid, name in tx.session.execute(select(Channel.id, Channel.name))}
        policy = parse(new, names)  # refuse what would not load
        for t in policy.all_targets():
            if t.first_hours <= 0:
                raise InvalidInput("the first-response target must be a positive number of hours")
            _check_target(tx.session, t.auto_escalate)
        workspace_settings.put(tx, workspace_settings.SLA_POLICY.key, new, AuditAction.POLICY_SLA)
        return policy
