"""ISO weeks in the force's time zone, as UTC bounds (DST-safe: a week may be 167 or 169 hours)."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from services.errors import InvalidInput

_LABEL = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Week:
    label: str
    monday: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, time(0), self.tz).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.monday + timedelta(days=7), time(0), self.tz).astimezone(UTC)

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=i) for i in range(7)]

    def previous(self) -> Week:
        return week_of(self.monday - timedelta(days=7), self.tz)

    def local_day(self, moment: datetime) -> date:
        day = bisect_right(self._midnights, moment) - 1
        if 0 <= day < 7:
            return self.monday + timedelta(days=day)
        return moment.astimezone(self.tz).date()

    @cached_property
    def _midnights(self) -> list[datetime]:
        """The eight local midnights that bound the week's days, in UTC: a week's items find
        their day by a binary search, not a time-zone conversion each (100,000 a week)."""
        return [
            datetime.combine(self.monday + timedelta(days=i), time(0), self.tz).astimezone(UTC)
            for i in range(8)
        ]


def week_of(day: date, tz: ZoneInfo) -> Week:
    year, number, weekday = day.isocalendar()
    return Week(f"{year}-W{number:02d}", day - timedelta(days=weekday - 1), tz)


def parse_week(label: str, tz: ZoneInfo) -> Week:
    m = _LABEL.match(label.strip())
    if not m:
        raise InvalidInput(f"{label!r} is not an ISO week: write it as 2026-W47")
    try:
        monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise InvalidInput(f"{label!r}: there is no such week") from None
    return Week(f"{int(m.group(1))}-W{int(m.group(2)):02d}", monday, tz)


def last_full_week(now: datetime, tz: ZoneInfo) -> Week:
    return week_of(now.astimezone(tz).date(), tz).previous()
