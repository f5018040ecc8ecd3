"""The worker's tick as one service: typed events out, the report drawn by the renderer it is given."""

from __future__ import annotations

import threading
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from services import demo, worker_events
from services.channels.protocol import Registry
from services.reports import schedule
from services.reports.metrics import WeeklyReport
from services.store.db import SessionFactory
from services.store.models import utcnow
from services.worker import ReportRenderer, Worker, WorkerOptions
from services.worker_events import (
    BatchStored,
    ModerationHandled,
    ReplyHandled,
    ReportFailed,
    ReportWritten,
    SyncFinished,
    SyncStarted,
    WorkerEvent,
    WorkerStopped,
)
from services.workspace.actor import Actor

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "event",
    [
        SyncStarted("Force blog"),
        BatchStored("Force blog", 100, 40, 2),
        SyncFinished("Force blog", 40, 2, "error", "HTTP 503", 1),
        SyncFinished("Appeals", 0, 0, "ok"),
        ReplyHandled(7, "sent"),
        ReplyHandled(8, "failed", "the comment was deleted"),
        ModerationHandled(3, "done"),
        ReportWritten("/srv/reports"),
        ReportFailed("no PySide6"),
        WorkerStopped(forced=True),
    ],
)
def test_every_event_reads_back_as_itself(event: WorkerEvent) -> None:
    assert worker_events.from_json(worker_events.to_json(event)) == event


@pytest.mark.parametrize(
    "line",
    ["", "Traceback (most recent call last):", "[1, 2]", '{"event": "sync_started"}',
     '{"event": "reply", "reply_id": "7", "state": "sent"}', '{"event": "from_the_future"}'],
)  # fmt: skip
def test_anything_else_on_the_workers_output_is_no_event(line: str) -> None:
    assert worker_events.from_json(line) is None


def _scheduled(factory: SessionFactory, admin: Actor, folder: Path) -> None:
    demo.load(factory)
    today = utcnow().astimezone(LONDON).weekday()
    schedule.set_schedule(
        factory, admin, schedule.Schedule(str(folder), today, time(0, 0), ("pdf", "csv"))
    )


def _tick(
    factory: SessionFactory, engine: Engine, render: ReportRenderer, *, registry: Registry
) -> list[WorkerEvent]:
    events: list[WorkerEvent] = []
    w = Worker(factory, engine, registry, LONDON, events.append, render)
    w.tick(WorkerOptions(watch=True), threading.Event())
    return events


def test_the_scheduled_report_is_drawn_by_the_renderer_the_worker_was_given(
    factory: SessionFactory, engine: Engine, admin: Actor, tmp_path: Path, registry: Registry
) -> None:
    _scheduled(factory, admin, tmp_path / "reports")
    drawn: list[tuple[str, set[str]]] = []

    def render(report: WeeklyReport, folder: Path, formats: set[str]) -> list[Path]:
        drawn.append((report.week.label, formats))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "r.pdf").write_bytes(b"%PDF")
        return [folder / "r.pdf"]

    events = _tick(factory, engine, render, registry=registry)
    assert [e for e in events if isinstance(e, ReportWritten)] == [
        ReportWritten(str(tmp_path / "reports"))
    ]
    assert drawn and drawn[0][1] == {"pdf", "csv"}
    assert _tick(factory, engine, render, registry=registry) == []  # once a week, not every tick
    assert len(drawn) == 1


def test_a_report_that_cannot_be_drawn_is_an_event_and_the_worker_carries_on(
    factory: SessionFactory, engine: Engine, admin: Actor, tmp_path: Path, registry: Registry
) -> None:
    _scheduled(factory, admin, tmp_path / "reports")

    def no_qt(_report: WeeklyReport, _folder: Path, _formats: set[str]) -> list[Path]:
        raise RuntimeError(
            "the weekly report's charts and PDF are drawn by Qt, which cannot be loaded"
        )

    events = _tick(factory, engine, no_qt, registry=registry)
    failed = [e for e in events if isinstance(e, ReportFailed)]
    assert len(failed) == 1 and "drawn by Qt" in failed[0].reason
    # Not marked written: the next tick tries again (once Qt is there, the report comes).
    assert (
        len(
            [
                e
                for e in _tick(factory, engine, no_qt, registry=registry)
                if isinstance(e, ReportFailed)
            ]
        )
        == 1
    )


def test_a_tick_brings_open_items_up_to_changed_risk_rules(
    factory: SessionFactory, engine: Engine, admin: Actor, registry: Registry
) -> None:
    import json

    from sqlalchemy import select

    from services.desk import risk_admin
    from services.store.models import Item
    from tests.builders import add_channel, add_item

    blog = add_channel(factory)
    item_id = add_item(factory, blog, "1", "The bins on Mill Lane have not been emptied")
    rule = {"id": "bins", "level": "watch", "category": "test", "description": "Bins.",
            "phrases": ["bins"]}  # fmt: skip
    risk_admin.add_rules(factory, admin, json.dumps(rule))
    _tick(factory, engine, lambda _r, _f, _x: [], registry=registry)
    with factory() as s:
        assert s.scalar(select(Item.risk_level).where(Item.id == item_id)) == "watch"


def test_the_watching_worker_anchors_the_audit_chain_once_a_day(
    factory: SessionFactory, engine: Engine, admin: Actor, tmp_path: Path, registry: Registry
) -> None:
    from services.records import anchor

    anchor.set_schedule(factory, admin, tmp_path / "anchors", sign=False)
    _tick(factory, engine, lambda _r, _f, _x: [], registry=registry)
    _tick(factory, engine, lambda _r, _f, _x: [], registry=registry)
    files = list((tmp_path / "anchors").iterdir())
    assert len(files) == 1
    assert len(anchor.read_anchors(files[0])) == 1  # once a day, not once a tick
    assert anchor.verify_anchors(factory, files[0]).ok
