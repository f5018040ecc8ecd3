"""Staffed hours: when somebody is watching the inbox, and the out-of-hours period a moment falls in.

Stored as the `staffed_hours` workspace setting (services/workspace/settings.py):
the weekdays staffed (0 = Monday), one daily window [start, end) in the
force's time zone, and whole-day holidays. A window never runs past midnight:
a desk staffed overnight is out of scope (two windows a day would be needed).

An out-of-hours period runs from the end of one staffed window to the start of
the next: Friday 18:00 to Monday 08:00 is one period, and so is a bank holiday
with the nights either side. A period is named by the instant it started (UTC),
which is what "once per person per period" is counted by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.errors import InvalidInput

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far back and forward a staffed window is looked for; beyond that the desk is unstaffed.
HORIZON_DAYS = 370
# The period a desk with no staffed window within the horizon is in (one long night).
NEVER_STAFFED = datetime(2000, 1, 1, tzinfo=UTC)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r} (e.g. Europe/London)") from None


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed,sat` or `mon-fri,sat` as weekday numbers (0 = Monday)."""
    days: set[int] = set()
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        first, _, last = part.partition("-")
        try:
            a = DAY_NAMES.index(first[:3])
            b = DAY_NAMES.index(last[:3]) if last else a
        except ValueError:
            raise InvalidInput(f"days are mon, tue, … sun (e.g. mon-fri): not {part!r}") from None
        if b < a:
            raise InvalidInput(f"{part!r}: write a range Monday first (e.g. mon-fri,sun)")
        days.update(range(a, b + 1))
    if not days:
        raise InvalidInput("name at least one staffed day (e.g. mon-fri)")
    return frozenset(days)


def days_text(days: frozenset[int]) -> str:
    """Weekday numbers back as `mon-fri,sun`."""
    runs: list[str] = []
    ordered = sorted(days)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        a, b = DAY_NAMES[ordered[i]], DAY_NAMES[ordered[j]]
        runs.append(a if i == j else f"{a}-{b}")
        i = j + 1
    return ",".join(runs)


@dataclass(frozen=True)
class StaffedHours:
    days: frozenset[int]
    start: time
    end: time
    tz: ZoneInfo
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.days or not self.days <= set(range(7)):
            raise InvalidInput("staffed days are weekday numbers 0 (Monday) to 6 (Sunday)")
        if not self.start < self.end:
            raise InvalidInput(
                "staffed hours end after they start on the same day (e.g. 08:00-18:00); "
                "a desk staffed past midnight is not supported"
            )

    @classmethod
    def from_value(cls, value: dict[str, Any] | None) -> StaffedHours | None:
        """The stored setting; None when none is set (the desk is never out of hours)."""
        if not value:
            return None
        try:
            return cls(
                frozenset(int(d) for d in value["days"]),
                time.fromisoformat(str(value["start"])),
                time.fromisoformat(str(value["end"])),
                zone(str(value["timezone"])),
                frozenset(date.fromisoformat(str(d)) for d in value.get("holidays") or ()),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"the staffed_hours setting cannot be read: {exc}") from None

    def to_value(self) -> dict[str, Any]:
        return {
            "days": sorted(self.days),
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
            "timezone": self.tz.key,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
        }

    def describe(self) -> str:
        text = f"{days_text(self.days)} {self.start:%H:%M}-{self.end:%H:%M} ({self.tz.key})"
        if self.holidays:
            text += ", not on " + ", ".join(d.isoformat() for d in sorted(self.holidays))
        return text

    def staffed_on(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.start, self.tz).astimezone(UTC),
            datetime.combine(day, self.end, self.tz).astimezone(UTC),
        )

    def is_staffed(self, at: datetime) -> bool:
        day = at.astimezone(self.tz).date()
        if not self.staffed_on(day):
            return False
        start, end = self._window(day)
        return start <= at < end

    def period_start(self, at: datetime) -> datetime:
        """When the out-of-hours period `at` falls in began: the last staffed window's end (UTC).

        Only meaningful outside staffed hours; inside them it is the previous night's start.
        """
        today = at.astimezone(self.tz).date()
        for back in range(HORIZON_DAYS):
            day = today - timedelta(days=back)
            if self.staffed_on(day):
                end = self._window(day)[1]
                if end <= at:
                    return end
        return NEVER_STAFFED

    def next_staffed(self, at: datetime) -> datetime | None:
        """When the desk is next staffed after `at` (UTC); None if not within the horizon."""
        today = at.astimezone(self.tz).date()
        for ahead in range(HORIZON_DAYS):
            day = today + timedelta(days=ahead)
            if self.staffed_on(day):
                start = self._window(day)[0]
                if start > at:
                    return start
        return None
