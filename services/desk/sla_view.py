"""One item's three SLA timers in words, for `item show`: due time, state and countdown.

The timers are the list's own: `item_clocks` reads the item's display row (services/inbox/item_rows.py,
which asks services/desk/sla_facts.py's `timers_for`), so `item show`, the list's chip,
`inbox --json`, the notices and the report never disagree. Nothing here re-derives a timer;
it only words what services/desk/sla_timers.py decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from services.desk import sla_policy
from services.desk.sla_policy import Targets
from services.desk.sla_timers import (
    FIRST_RESPONSE,
    NO_TIMERS,
    RESOLUTION,
    TIMER_NAMES,
    UPDATE,
    ItemTimers,
    Timer,
)
from services.errors import NotFound
from services.inbox import item_rows
from services.store.db import SessionFactory

TIMER_TITLES = {FIRST_RESPONSE: "First response", UPDATE: "Update", RESOLUTION: "Resolution"}


@dataclass(frozen=True)
class ItemClocks:
    timers: ItemTimers
    targets: Targets | None
    """The policy's targets for the item; None when no timer applies (no answer needed)."""


def item_clocks(factory: SessionFactory, item_id: int, tz: ZoneInfo) -> ItemClocks:
    """The item's timers as the list has them, with the targets of the policy that applies."""
    found = item_rows.rows(factory, [item_id], tz)
    if not found:
        raise NotFound(f"no item #{item_id}")
    row = found[0]
    if not row.timers.timers:
        return ItemClocks(NO_TIMERS, None)
    with factory() as session:
        targets = sla_policy.load(session).for_item(row.channel_id, row.tags)
    return ItemClocks(row.timers, targets)


def span_text(minutes: float) -> str:
    """35 min, 5 h, 3 d: a duration short enough for a chip."""
    minutes = abs(minutes)
    if minutes < 60:
        return f"{max(1, round(minutes))} min"
    if minutes < 48 * 60:
        return f"{round(minutes / 60)} h"
    return f"{round(minutes / 1440)} d"


def state_word(t: Timer) -> str:
    """within, pending, at risk, breached or paused."""
    return "at risk" if t.state == "pending" and t.at_risk else t.state


def countdown(t: Timer, now: datetime, tz: ZoneInfo) -> str:
    """'due in 35 min', '2 h over', 'met 40 min early', 'met 2 h late', or why it stands still."""
    if t.met_at is not None:
        gap = (t.due - t.met_at).total_seconds() / 60
        when = f"{t.met_at.astimezone(tz):%a %d %b %H:%M}"
        if gap >= 0:
            return f"met {when}, {span_text(gap)} early"
        return f"met {when}, {span_text(gap)} late"
    left = (t.due - now).total_seconds() / 60
    if t.state == "breached" or left <= 0:
        return f"{span_text(left)} over"
    if t.state == "paused":
        return "clock stopped: waiting on the public (due as if it restarted now)"
    return f"due in {span_text(left)}"


def _absent(name: str, targets: Targets) -> str:
    if name == UPDATE:
        if not targets.update_hours:
            return "no update target"
        return "not running: nothing from the public is waiting for an update"
    if name == RESOLUTION:
        return "no resolution target"
    return "not running"


def describe(clocks: ItemClocks, now: datetime, tz: ZoneInfo) -> list[str]:
    """The three timers, a line each: title, due time, state and countdown."""
    targets = clocks.targets
    if targets is None:
        return ["SLA:    no timers (the item needs no answer)"]
    lines = [f"SLA:    policy {clocks.timers.policy or targets.source}"]
    for name in TIMER_NAMES:
        title = TIMER_TITLES[name].ljust(15)
        t = clocks.timers.get(name)
        if t is None:
            lines.append(f"  {title} {_absent(name, targets)}")
            continue
        due = f"due {t.due.astimezone(tz):%a %d %b %H:%M}"
        lines.append(f"  {title} {due}  {state_word(t).ljust(8)}  {countdown(t, now, tz)}")
    return lines
