"""A calendar's open time as a table, so a timer's due time is a lookup, not a walk of days.

The weekly report judges three timers for each of 100,000 items of a week; walking business
days one `datetime.combine` at a time cost seconds. The table holds each open stretch (one a
working day) in local wall time with the open time before it, so "when have H open hours
passed since S" and "how much open time between A and B" are two binary searches.

It answers exactly as the walk in services/desk/sla_timers.py does, which stays the
definition: that walk does its arithmetic in local wall time (both ends carry the same zone),
so the table does too. Where wall time and elapsed time could differ (a clock change inside
an open stretch, or a moment in the repeated hour) it declines, returning None, and the walk
answers. Pauses are the caller's business: with any, the walk answers.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from services.desk.sla_policy import Calendar

# The walk gives up after ten years of days; past that the table declines and the walk raises.
MAX_DAYS = 3660
# Days added to the table at a time: a year covers any sane target in one go.
CHUNK_DAYS = 366
ZERO = timedelta()


class OpenTime:
    """The open stretches of `cal` from some day on, grown on demand; safe across threads."""

    def __init__(self, cal: Calendar, tz: ZoneInfo) -> None:
        assert cal.hours is not None
        self._cal, self._tz = cal, tz
        self._lock = threading.Lock()
        self._first: date | None = None
        self._next: date | None = None  # the first day not yet in the table
        self._los: list[datetime] = []  # naive local wall time
        self._his: list[datetime] = []
        self._before: list[timedelta] = []  # open time before each stretch
        self._through: list[timedelta] = []  # open time to each stretch's end
        self._irregular = False  # a clock change falls inside an open stretch

    def _stretch(self, day: date) -> tuple[datetime, datetime] | None:
        hours = self._cal.hours
        assert hours is not None
        if day.weekday() not in hours.weekdays or day in self._cal.holidays:
            return None
        lo, hi = datetime.combine(day, hours.start), datetime.combine(day, hours.end)
        if hi <= lo:
            return None
        tz = self._tz
        if lo.replace(tzinfo=tz).utcoffset() != hi.replace(tzinfo=tz).utcoffset():
            self._irregular = True
        return lo, hi

    def _build(self, first: date, until: date) -> None:
        self._first, self._next = first, first
        self._los, self._his, self._before, self._through = [], [], [], []
        self._irregular = False
        self._extend(until)

    def _extend(self, until: date) -> None:
        assert self._next is not None
        day = self._next
        total = self._through[-1] if self._through else ZERO
        while day <= until:
            stretch = self._stretch(day)
            if stretch is not None:
                lo, hi = stretch
                self._los.append(lo)
                self._his.append(hi)
                self._before.append(total)
                total += hi - lo
                self._through.append(total)
            day += timedelta(days=1)
        self._next = day

    def _cover(self, first: date, until: date) -> None:
        if self._first is None or first < self._first:
            self._build(first, max(until, self._next or until))
        elif self._next is not None and until >= self._next:
            self._extend(max(until, self._next + timedelta(days=CHUNK_DAYS)))

    def _local(self, moment: datetime) -> datetime | None:
        local = moment.astimezone(self._tz)
        return None if local.fold else local.replace(tzinfo=None)

    def add(self, start: datetime, hours: float) -> datetime | None:
        """When `hours` of open time after `start` have passed, or None to let the walk say."""
        s = self._local(start)
        if s is None:
            return None
        limit = s.date() + timedelta(days=MAX_DAYS)
        with self._lock:
            self._cover(s.date(), s.date() + timedelta(days=CHUNK_DAYS))
            first = bisect_right(self._his, s)  # the first stretch still open after `start`
            while True:
                if self._irregular:
                    return None
                if first < len(self._los):
                    base = self._before[first] + max(ZERO, s - self._los[first])
                    target = base + timedelta(hours=hours)
                    j = bisect_left(self._through, target, lo=first)
                    if j < len(self._los):
                        return (self._los[j] + (target - self._before[j])).replace(tzinfo=self._tz)
                assert self._next is not None
                if self._next > limit:
                    return None
                self._extend(min(limit, self._next + timedelta(days=CHUNK_DAYS)))

    def between(self, start: datetime, end: datetime) -> timedelta | None:
        """Open time from `start` to `end`, or None to let the walk say."""
        if end <= start:
            return ZERO
        s, e = self._local(start), self._local(end)
        if s is None or e is None:
            return None
        with self._lock:
            self._cover(s.date(), e.date() + timedelta(days=1))
            if self._irregular:
                return None
            return self._open_to(e) - self._open_to(s)

    def _open_to(self, t: datetime) -> timedelta:
        """Open time from the table's first day to `t`."""
        i = bisect_right(self._los, t) - 1
        if i < 0:
            return ZERO
        return self._before[i] + min(t, self._his[i]) - self._los[i]


@lru_cache(maxsize=16)
def open_time(cal: Calendar, tz: ZoneInfo) -> OpenTime:
    return OpenTime(cal, tz)
