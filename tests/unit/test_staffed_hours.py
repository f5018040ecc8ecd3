"""Staffed hours and out-of-hours periods, worked out by hand on a London calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.desk.staffed_hours import StaffedHours, days_text, parse_days
from services.errors import InvalidInput

LONDON = ZoneInfo("Europe/London")
# Monday to Friday, 08:00-18:00; Christmas Day 2026 (a Friday) is a holiday.
HOURS = StaffedHours(
    parse_days("mon-fri"), time(8), time(18), LONDON, frozenset({date(2026, 12, 25)})
)


def local(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def test_staffed_only_inside_the_window_on_a_working_day() -> None:
    assert HOURS.is_staffed(local(2026, 12, 1, 8))  # Tuesday, opening minute
    assert HOURS.is_staffed(local(2026, 12, 1, 17, 59))
    assert not HOURS.is_staffed(local(2026, 12, 1, 18))  # closes at 18:00 sharp
    assert not HOURS.is_staffed(local(2026, 12, 1, 7, 59))
    assert not HOURS.is_staffed(local(2026, 12, 5, 12))  # Saturday
    assert not HOURS.is_staffed(local(2026, 12, 25, 12))  # Christmas Day


def test_a_night_is_one_period_and_the_next_night_another() -> None:
    tuesday_evening = local(2026, 12, 1, 18)
    assert HOURS.period_start(local(2026, 12, 1, 19)) == tuesday_evening
    assert HOURS.period_start(local(2026, 12, 2, 7, 30)) == tuesday_evening  # small hours
    assert HOURS.period_start(local(2026, 12, 2, 19)) == local(2026, 12, 2, 18)


def test_a_weekend_and_a_bank_holiday_run_on_as_one_period() -> None:
    friday_evening = local(2026, 12, 4, 18)
    assert HOURS.period_start(local(2026, 12, 5, 12)) == friday_evening
    assert HOURS.period_start(local(2026, 12, 7, 7)) == friday_evening  # Monday 07:00
    # Christmas Day (Friday) off: from Thursday 18:00 to Monday 08:00.
    assert HOURS.period_start(local(2026, 12, 26, 3)) == local(2026, 12, 24, 18)
    assert HOURS.next_staffed(local(2026, 12, 24, 19)) == local(2026, 12, 28, 8)


def test_the_clock_change_keeps_local_opening_times() -> None:
    # British Summer Time ends on Sunday 25 October 2026: Friday closes at 17:00 UTC.
    assert HOURS.period_start(local(2026, 10, 26, 6)) == datetime(2026, 10, 23, 17, tzinfo=UTC)
    assert HOURS.next_staffed(local(2026, 10, 24, 12)) == datetime(2026, 10, 26, 8, tzinfo=UTC)


def test_the_setting_round_trips_and_bad_values_are_refused() -> None:
    assert StaffedHours.from_value(HOURS.to_value()) == HOURS
    assert StaffedHours.from_value({}) is None
    assert days_text(parse_days("mon-fri,sun")) == "mon-fri,sun"
    with pytest.raises(InvalidInput, match="past midnight"):
        StaffedHours(parse_days("mon"), time(22), time(6), LONDON)
    with pytest.raises(InvalidInput, match="mon, tue"):
        parse_days("weekdays")
