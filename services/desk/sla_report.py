"""The weekly report's SLA clocks: the same three timers the list shows, read for a week.

Bulk reads only, whatever the size of the week: the week's pauses come from one range read of
the audit trail's status events, and the threads (the public writing again, our replies) from
two range reads along the posted and sent indexes (services/desk/sla_facts.py). Never a query
per item: a week of a million-item workspace holds 100,000.

Per item of the week (those whose response figures count), as of the cut-off:
- first response: the first-response timer (within, breached, pending);
- update: every update round after our first answer, each judged as the list judges the open
  one (services/desk/sla_timers.py); breached if any round was answered late or is overdue,
  else pending while a round is open, else within; n/a with no round or no update target;
- resolution: the resolution timer (within, breached, pending); n/a with no resolution target.
A timer paused while the item waits on the public counts as pending (not yet judged).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.desk import sla_facts, sla_policy
from services.desk.sla_facts import Place, Posted
from services.desk.sla_timers import SlaFacts, Verdict, week_verdicts, working_between

NOT_TIMED = "n/a"


class WeekTimers(NamedTuple):
    first_response: str  # within, breached, pending, n/a: the list's SLA chip
    first_response_due: datetime | None
    update: str  # within, breached, pending, n/a
    resolution: str  # within, breached, pending, n/a


NO_WEEK_TIMERS = WeekTimers(NOT_TIMED, None, NOT_TIMED, NOT_TIMED)


@dataclass(frozen=True)
class StateCounts:
    """One timer's items of the week by state."""

    within: int = 0
    breached: int = 0
    pending: int = 0
    breached_items: tuple[int, ...] = ()

    @classmethod
    def of(cls, states: Iterable[tuple[int, str]]) -> StateCounts:
        seen = [(i, s) for i, s in states if s != NOT_TIMED]
        return cls(
            sum(1 for _, s in seen if s == "within"),
            sum(1 for _, s in seen if s == "breached"),
            sum(1 for _, s in seen if s == "pending"),
            tuple(i for i, s in seen if s == "breached"),
        )


def _state(timer: Verdict | None) -> str:
    if timer is None:
        return NOT_TIMED
    return "pending" if timer.state == "paused" else timer.state  # not yet judged either way


def _worst(rounds: Sequence[Verdict]) -> str:
    states = {_state(t) for t in rounds}
    for state in ("breached", "pending", "within"):
        if state in states:
            return state
    return NOT_TIMED


class WeekClocks:
    def __init__(
        self,
        session: Session,
        start: datetime,
        as_of: datetime,
        tz: ZoneInfo,
        places: Sequence[Place],
        posted: Posted | None = None,
    ) -> None:
        """`posted`: the week's items as the report read them, so they are not read twice."""
        self._policy = sla_policy.load(session)
        self._tz = tz
        self._as_of = as_of
        self._places = {p.item_id: p for p in places}
        paused = sla_facts.pauses_since(session, start, as_of)
        # Every week's item was posted at or after `start`, so nothing before it can start a
        # round or end a pause: the week's range holds all the threads' messages that matter.
        self._threads = sla_facts.threads_between(session, start, as_of, posted)
        waiting = [p for p in places if p.item_id in paused or p.status == sla_facts.WAITING]
        self._pauses = {
            p.item_id: sla_facts.end_on_public_reply(
                paused.get(p.item_id, ()), self._threads, p, p.status, as_of
            )
            for p in waiting
        }

    def business_elapsed(self, start: datetime, end: datetime) -> timedelta | None:
        """Open time between two moments on the SLA's calendar (its business hours, less its
        holidays), as the timers count it; None when the policy keeps no business hours."""
        calendar = self._policy.calendar
        if calendar.hours is None:
            return None
        return working_between(start, end, calendar, self._tz)

    def judge(
        self,
        item_id: int,
        channel_id: int,
        tags: tuple[str, ...],
        posted: datetime,
        counts: bool,
        first_at: datetime | None,
        resolved_at: datetime | None,
    ) -> WeekTimers:
        """The item's three timers at the cut-off (`first_at`, `resolved_at`: by the cut-off)."""
        if not counts:
            return NO_WEEK_TIMERS
        facts = SlaFacts(
            channel_id,
            tags,
            posted,
            True,
            first_at,
            resolved_at,
            None,
            self._pauses.get(item_id, ()),
        )
        place = self._places.get(item_id)
        rounds = sla_facts.update_rounds(self._threads, place, first_at) if place else []
        first, updates, resolution = week_verdicts(
            self._policy, self._tz, facts, rounds, self._as_of
        )
        assert first is not None  # it counts, so its first-response timer applies
        return WeekTimers(_state(first), first.due, _worst(updates), _state(resolution))
