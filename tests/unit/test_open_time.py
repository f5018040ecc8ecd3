"""The open-time table gives the walk's answers: due times and time left, to the microsecond.

The weekly report and the list look SLA due times up in the table (services/desk/open_time.py);
the day-by-day walk in services/desk/sla_timers.py is the definition. Any difference would
move a breach from one side of its deadline to the other.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from services.desk import sla
from services.desk.open_time import OpenTime
from services.desk.sla_policy import Calendar
from services.desk.sla_timers import add_working, walk_add, walk_between, working_between

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
HOLIDAYS = frozenset({date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1), date(2026, 3, 30)})
OFFICE = Calendar(sla.BusinessHours(time(8), time(18)), HOLIDAYS)
CALENDARS = [
    OFFICE,
    Calendar(sla.BusinessHours(time(9, 30), time(16, 45), (0, 1, 2, 3, 4, 5)), frozenset()),
    Calendar(sla.BusinessHours(time(0), time(23, 59, 59), (0, 1, 2, 3, 4, 5, 6)), HOLIDAYS),
    Calendar(sla.BusinessHours(time(7), time(19), (5, 6)), HOLIDAYS),
]
# Spans both clock changes of 2026 in London and in Sydney.
MOMENTS = st.datetimes(
    min_value=datetime(2026, 3, 20), max_value=datetime(2027, 4, 10), timezones=st.just(UTC)
)
HOURS = st.sampled_from([0.0, 0.5, 1.0, 4.0, 8.0, 10.0, 24.0, 40.0, 72.0, 168.0, 1000.0, 1.2345])


@settings(max_examples=400, deadline=None)
@given(MOMENTS, HOURS, st.sampled_from(CALENDARS), st.sampled_from([LONDON, SYDNEY]))
def test_due_times_match_the_walk(
    start: datetime, hours: float, cal: Calendar, tz: ZoneInfo
) -> None:
    walked = walk_add(start, hours, cal, tz)
    looked_up = add_working(start, hours, cal, tz)
    assert looked_up == walked
    assert looked_up.utcoffset() == walked.utcoffset()
    assert looked_up.isoformat() == walked.isoformat()  # shown as the walk shows it


@settings(max_examples=400, deadline=None)
@given(
    MOMENTS,
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    st.sampled_from(CALENDARS),
    st.sampled_from([LONDON, SYDNEY]),
)
def test_time_left_matches_the_walk(
    start: datetime, span: timedelta, cal: Calendar, tz: ZoneInfo
) -> None:
    end = start + span
    assert working_between(start, end, cal, tz) == walk_between(start, end, cal, tz)


def test_a_friday_evening_complaint_is_due_on_tuesday_after_a_bank_holiday() -> None:
    posted = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)  # Thursday 17:00, an hour before close
    due = add_working(posted, 8, OFFICE, LONDON)
    # One hour on the 24th; the 25th is a holiday, then a weekend and the 28th (holiday).
    assert due == datetime(2026, 12, 29, 15, 0, tzinfo=LONDON)
    assert working_between(posted, due, OFFICE, LONDON) == timedelta(hours=8)


def test_hours_across_a_clock_change_are_left_to_the_walk() -> None:
    # Open 00:30-03:00 every day: the 29 March and 25 October changes fall inside it, where
    # wall time and elapsed time differ; the table declines and the walk answers.
    night = Calendar(sla.BusinessHours(time(0, 30), time(3), (0, 1, 2, 3, 4, 5, 6)), frozenset())
    table = OpenTime(night, LONDON)
    start = datetime(2026, 3, 27, 12, tzinfo=UTC)
    assert table.add(start, 10) is None
    assert add_working(start, 10, night, LONDON) == walk_add(start, 10, night, LONDON)
