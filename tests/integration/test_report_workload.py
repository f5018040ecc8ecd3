"""Workload in the weekly report counts work that stayed done, not actions that were undone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.inbox import triage
from services.reports import metrics
from services.reports.week import week_of
from services.store.db import SessionFactory
from services.store.models import Status, utcnow
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item

LONDON = ZoneInfo("Europe/London")


def test_a_done_that_was_undone_is_no_work_and_a_repeated_done_counts_once(
    factory: SessionFactory, officer: Actor, supervisor: Actor
) -> None:
    blog = add_channel(factory)
    kept, undone, twice = (add_item(factory, blog, str(n), f"item {n}") for n in range(3))
    triage.set_status(factory, officer, [kept], Status.DONE)
    triage.set_status(factory, officer, [undone], Status.DONE)
    triage.set_status(factory, officer, [undone], Status.OPEN)  # Z: the officer took it back
    triage.set_status(factory, supervisor, [twice], Status.DONE)
    triage.set_status(factory, supervisor, [twice], Status.OPEN)
    triage.set_status(factory, supervisor, [twice], Status.DONE)
    week = week_of(utcnow().astimezone(LONDON).date(), LONDON)
    report = metrics.compute(factory, week, as_of=utcnow(), with_previous=False)
    assert report.workload[officer.display_name].handled == 1
    assert report.workload[supervisor.display_name].handled == 1
