"""The worker writes last week's report once, after the configured slot."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from services.reports import schedule
from services.store.db import SessionFactory
from services.workspace.actor import Actor

LONDON = ZoneInfo("Europe/London")


def _due(factory: SessionFactory, sched: schedule.Schedule, *when: int) -> str | None:
    week = schedule.due_week(factory, sched, datetime(2026, 11, *when, tzinfo=LONDON), LONDON)
    return week.label if week else None


def test_due_once_after_the_slot(factory: SessionFactory, admin: Actor, tmp_path: Path) -> None:
    schedule.set_schedule(
        factory, admin, schedule.Schedule(str(tmp_path), 0, time(7, 0), ("pdf", "csv"))
    )
    sched = schedule.load(factory)
    assert sched is not None and sched.at == time(7, 0)
    # Sunday 22 Nov: the last full week is W46, its Monday slot passed unwritten (the worker was
    # down): it is written now, once.
    assert _due(factory, sched, 22, 23, 0) == "2026-W46"
    schedule.mark_written(
        factory,
        schedule.due_week(factory, sched, datetime(2026, 11, 22, 23, tzinfo=LONDON), LONDON),
        [],
    )  # type: ignore[arg-type]
    assert _due(factory, sched, 22, 23, 30) is None
    assert _due(factory, sched, 23, 6, 59) is None  # W47 is due at 07:00
    assert _due(factory, sched, 23, 7, 0) == "2026-W47"
    week = schedule.due_week(factory, sched, datetime(2026, 11, 23, 7, tzinfo=LONDON), LONDON)
    assert week is not None
    schedule.mark_written(factory, week, ["x.pdf"])
    assert _due(factory, sched, 23, 9, 0) is None  # a restarted worker does not write it again
    assert _due(factory, sched, 30, 7, 5) == "2026-W48"
