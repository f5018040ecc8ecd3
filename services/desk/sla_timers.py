"""Three SLA timers per item, Zammad's model: first response, update and resolution. One definition.

The list's chip, `inbox --json`, the worker's warnings and breach notices and the weekly report
all ask `item_timers`; the facts it needs come from services/desk/sla_facts.py in bulk.

- First response: starts when the public posted the item; met by the first sent reply that
  answers it (services/desk/response.py keeps that). Applies where response figures count.
- Update: once we have answered, the public writing again in the same thread (the same contact)
  starts it; met by our next sent reply to that person in the thread. Only the open round is
  timed: with no unanswered follow-up there is no update timer.
- Resolution: starts when the public posted the item; met when it is marked done.
- Targets come from the policy that applies (services/desk/sla_policy.py); with business hours
  only working time counts, and holidays count as closed days.
- Paused: while the item's status is `pending` (our word for waiting on the public) the clocks
  stop; the pause ends when the status leaves pending or the public writes again in the thread,
  whichever is first. A paused timer's due time is the one it would have if it resumed now.
- States: pending (running, not yet due; at risk once three quarters of the target's working
  time has gone), paused, breached (due passed unmet, or met late), within (met in time).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from services.desk.open_time import open_time
from services.desk.response import NOT_APPLICABLE, SlaClock
from services.desk.sla_policy import Calendar, PolicySet
from services.errors import InvalidInput

AT_RISK_SHARE = 0.75
FIRST_RESPONSE, UPDATE, RESOLUTION = "first_response", "update", "resolution"
TIMER_NAMES = (FIRST_RESPONSE, UPDATE, RESOLUTION)
Pause = tuple[datetime, datetime | None]
"""When the item went to waiting on the public, and when that ended (None: it still waits)."""


@dataclass(frozen=True)
class Timer:
    name: str  # first_response, update, resolution
    state: str  # pending, paused, breached, within
    started_at: datetime
    due: datetime
    met_at: datetime | None = None
    at_risk: bool = False

    @property
    def running(self) -> bool:
        """Not met yet: what the chip and the notices are about."""
        return self.met_at is None


@dataclass(frozen=True)
class ItemTimers:
    timers: tuple[Timer, ...] = ()
    policy: str = ""
    """Which policy applied: default, channel NAME or tag NAME."""

    def get(self, name: str) -> Timer | None:
        for t in self.timers:
            if t.name == name:
                return t
        return None

    def nearest(self) -> Timer | None:
        """The unmet timer due first: the most overdue if any is over."""
        running = [t for t in self.timers if t.running]
        return min(running, key=lambda t: t.due) if running else None


NO_TIMERS = ItemTimers()


class SlaFacts(NamedTuple):
    """What an item's timers are judged from; a tuple, built for every item of a week."""

    channel_id: int
    tags: tuple[str, ...]
    posted_at: datetime
    counts: bool
    """Counts for response figures (services/desk/response.py): otherwise no timer applies."""
    first_response_at: datetime | None
    resolved_at: datetime | None
    """When it was marked done, if it is done."""
    followup_at: datetime | None = None
    """The public's first message after our last reply in the thread (opens an update round)."""
    pauses: tuple[Pause, ...] = ()


# ---- working time ----------------------------------------------------------------------


def _segments(start: datetime, cal: Calendar, tz: ZoneInfo) -> Iterator[Pause]:
    """Open time from `start` on: business hours on working days that are not holidays."""
    hours = cal.hours
    if hours is None:
        yield (start, None)
        return
    cursor = start.astimezone(tz)
    for _ in range(3660):  # ten years of days: ends long before for any sane target
        day = cursor.date()
        if day.weekday() in hours.weekdays and day not in cal.holidays:
            lo = max(cursor, datetime.combine(day, hours.start, tz))
            hi = datetime.combine(day, hours.end, tz)
            if hi > lo:
                yield (lo, hi)
        cursor = datetime.combine(day + timedelta(days=1), time(0), tz)
    raise InvalidInput("the SLA target is too long for the business hours set")


def _minus(
    lo: datetime, hi: datetime | None, pauses: Sequence[tuple[datetime, datetime]]
) -> Iterator[Pause]:
    for a, b in pauses:
        if hi is not None and a >= hi:
            break
        if b <= lo:
            continue
        if a > lo:
            yield (lo, a)
        lo = max(lo, b)
    if hi is None or lo < hi:
        yield (lo, hi)


def add_working(
    start: datetime,
    hours: float,
    cal: Calendar,
    tz: ZoneInfo,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> datetime:
    """When `hours` of open, unpaused time after `start` have passed."""
    if cal.hours is None and not pauses:
        return start + timedelta(hours=hours)
    if not pauses and (due := open_time(cal, tz).add(start, hours)) is not None:
        return due  # the walk's answer, looked up (services/desk/open_time.py)
    return walk_add(start, hours, cal, tz, pauses)


def walk_add(
    start: datetime,
    hours: float,
    cal: Calendar,
    tz: ZoneInfo,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> datetime:
    """`add_working` by walking the open time day by day: the definition."""
    remaining = timedelta(hours=hours)
    for seg_lo, seg_hi in _segments(start, cal, tz):
        for lo, hi in _minus(seg_lo, seg_hi, pauses):
            if hi is None or lo + remaining <= hi:
                return lo + remaining
            remaining -= hi - lo
    raise InvalidInput("the SLA target is too long for the business hours set")  # pragma: no cover


def working_between(
    start: datetime,
    end: datetime,
    cal: Calendar,
    tz: ZoneInfo,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> timedelta:
    if not pauses and end > start:
        if cal.hours is None:
            return end - start  # open all the time: what the walk's one endless segment gives
        known = open_time(cal, tz).between(start, end)
        if known is not None:
            return known
    return walk_between(start, end, cal, tz, pauses)


def walk_between(
    start: datetime,
    end: datetime,
    cal: Calendar,
    tz: ZoneInfo,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> timedelta:
    """`working_between` by walking the open time day by day: the definition."""
    total = timedelta()
    if end <= start:
        return total
    for seg_lo, seg_hi in _segments(start, cal, tz):
        if seg_lo >= end:
            break
        for lo, hi in _minus(seg_lo, min(seg_hi, end) if seg_hi else end, pauses):
            total += (hi or end) - lo
    return total


# ---- the timers ------------------------------------------------------------------------


def _closed(pauses: Sequence[Pause], until: datetime) -> list[tuple[datetime, datetime]]:
    """The pauses as they stand at `until`, an ongoing one ending there; merged and in order."""
    out: list[tuple[datetime, datetime]] = []
    for a, b in sorted(pauses):
        if a >= until:
            continue
        end = until if b is None or b > until else b
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif end > a:
            out.append((a, end))
    return out


class Verdict(NamedTuple):
    """A timer's judgement as of a moment: a tuple, as the report judges 100,000 a week."""

    state: str  # pending, paused, breached, within
    due: datetime
    met_at: datetime | None = None
    at_risk: bool = False


def judge(
    start: datetime,
    hours: float,
    met: datetime | None,
    all_pauses: Sequence[Pause],
    cal: Calendar,
    tz: ZoneInfo,
    as_of: datetime,
) -> Verdict:
    """One timer as of a moment: met in time or late, overdue, or running (paused, at risk)."""
    met = met if met is not None and met <= as_of else None
    pauses = _closed(all_pauses, met or as_of) if all_pauses else []
    due = add_working(start, hours, cal, tz, pauses)
    if met is not None:
        return Verdict("within" if met <= due else "breached", due, met)
    if due <= as_of:
        return Verdict("breached", due)
    left = working_between(as_of, due, cal, tz, pauses)
    at_risk = left <= timedelta(hours=hours) * (1 - AT_RISK_SHARE)
    paused_now = any(a <= as_of and (b is None or b > as_of) for a, b in all_pauses)
    return Verdict("paused" if paused_now else "pending", due, None, at_risk)


def _timer(name: str, start: datetime, v: Verdict) -> Timer:
    return Timer(name, v.state, start, v.due, v.met_at, v.at_risk)


def item_timers(
    policy: PolicySet,
    tz: ZoneInfo,
    f: SlaFacts,
    as_of: datetime,
    names: Sequence[str] = TIMER_NAMES,
) -> ItemTimers:
    """The item's timers (of `names`) as of a moment; anything after `as_of` has not happened."""
    if not f.counts:
        return NO_TIMERS
    targets = policy.for_item(f.channel_id, f.tags)
    cal, pauses = policy.calendar, f.pauses
    out = []
    if FIRST_RESPONSE in names:
        v = judge(f.posted_at, targets.first_hours, f.first_response_at, pauses, cal, tz, as_of)
        out.append(_timer(FIRST_RESPONSE, f.posted_at, v))
    if UPDATE in names and targets.update_hours and f.followup_at and f.followup_at <= as_of:
        v = judge(f.followup_at, targets.update_hours, None, pauses, cal, tz, as_of)
        out.append(_timer(UPDATE, f.followup_at, v))
    if RESOLUTION in names and targets.resolution_hours:
        v = judge(f.posted_at, targets.resolution_hours, f.resolved_at, pauses, cal, tz, as_of)
        out.append(_timer(RESOLUTION, f.posted_at, v))
    return ItemTimers(tuple(out), targets.source)


class WeekVerdicts(NamedTuple):
    """An item's timers for the weekly report: None where a timer does not apply."""

    first_response: Verdict | None
    update_rounds: tuple[Verdict, ...]
    resolution: Verdict | None


NO_VERDICTS = WeekVerdicts(None, (), None)


def week_verdicts(
    policy: PolicySet,
    tz: ZoneInfo,
    f: SlaFacts,
    rounds: Sequence[tuple[datetime, datetime | None]],
    as_of: datetime,
) -> WeekVerdicts:
    """`item_timers`' first-response and resolution timers, and every update round of the item
    (the public writing again, our next reply: None while open), each judged as `item_timers`
    judges the open one; for the report, which also counts a round answered late. The list
    times only the open round (a met one needs nothing). Verdicts, not Timers: 100,000 a week."""
    if not f.counts:
        return NO_VERDICTS
    targets = policy.for_item(f.channel_id, f.tags)
    cal, pauses = policy.calendar, f.pauses
    first = judge(f.posted_at, targets.first_hours, f.first_response_at, pauses, cal, tz, as_of)
    hours = targets.update_hours
    updates = (
        tuple(
            judge(start, hours, met, pauses, cal, tz, as_of)
            for start, met in rounds
            if start <= as_of
        )
        if hours and rounds
        else ()
    )
    resolution = (
        judge(f.posted_at, targets.resolution_hours, f.resolved_at, pauses, cal, tz, as_of)
        if targets.resolution_hours
        else None
    )
    return WeekVerdicts(first, updates, resolution)


def first_response_clock(timers: ItemTimers) -> SlaClock:
    """The first-response timer in the shape the report and the list always had."""
    t = timers.get(FIRST_RESPONSE)
    if t is None:
        return NOT_APPLICABLE
    state = "pending" if t.state == "paused" else t.state  # not yet judged either way
    return SlaClock(state, t.due, at_risk=t.at_risk)
