"""The sync worker: one place for what it does each tick, and the loop that repeats it.

A tick syncs the channels that are due, then (unless asked to stop) sends the
outbox, carries out queued moderations, wakes snoozed items and, in watch
mode, writes the scheduled weekly report when its slot has come. Everything
the worker has to say leaves as a typed event (services.worker_events) through
the `emit` function it is given; what to print, and how, is the caller's.

The weekly report's PDF and charts are drawn by a `ReportRenderer` the
composition root hands in (console/ passes Qt's, on its offscreen platform):
services never imports Qt, and a worker built without a renderer says so in a
ReportFailed event instead of failing its tick (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from services.answers import outbox
from services.channels import moderation
from services.channels.mail_watch import MailWatch
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine, SyncResult
from services.desk import out_of_hours, risk_store, sla_notices
from services.inbox import triage
from services.records import anchor, attachments_sweep, retention
from services.reports import metrics, schedule
from services.reports.metrics import WeeklyReport
from services.reports.week import Week
from services.store.db import SessionFactory, ensure_database_file
from services.store.models import utcnow
from services.store.states import ChannelState
from services.worker_events import (
    ModerationHandled,
    ReplyHandled,
    ReportFailed,
    ReportWritten,
    WorkerEvent,
)

Emit = Callable[[WorkerEvent], None]
ReportRenderer = Callable[[WeeklyReport, Path, set[str]], list[Path]]
"""Writes a computed report into a folder in the given formats (pdf, html, csv); returns the files."""

# Between two ticks in watch mode: how soon a "sync now" or a new approved reply is picked up.
log = logging.getLogger(__name__)
TICK_SECONDS = 1.0
# `sync` without --watch exits with this when a channel did not sync cleanly.
EXIT_CHANNEL_FAILED = 4


@dataclass(frozen=True)
class WorkerOptions:
    channels: list[str] | None = None
    """Only these channels (by name); None: every enabled channel."""
    watch: bool = False
    """Keep ticking until stopped, syncing each channel when its poll interval has passed."""
    reconcile: bool = False
    """Also re-check edits, moderation and deletions on the platforms."""


def write_weekly(
    factory: SessionFactory,
    render: ReportRenderer,
    week: Week,
    folder: Path,
    formats: set[str],
    as_of: datetime | None = None,
) -> list[Path]:
    """Compute a week's report and have `render` write it (the CLI's `report weekly` too)."""
    return render(metrics.compute(factory, week, as_of), folder, formats)


class Worker:
    def __init__(
        self,
        factory: SessionFactory,
        db: Engine,
        registry: Registry,
        tz: ZoneInfo,
        emit: Emit,
        render_report: ReportRenderer | None = None,
    ) -> None:
        self._factory = factory
        self._db = db
        self._tz = tz
        self._emit = emit
        self._render = render_report
        self._registry = registry
        self.sync = SyncEngine(factory, registry, progress=emit)
        self._sla = sla_notices.Sweeper(factory, tz)
        # IMAP IDLE per e-mail channel in watch mode: new mail is fetched on the next tick.
        self.mail = MailWatch(factory)

    def tick(self, options: WorkerOptions, stop: threading.Event) -> list[SyncResult]:
        """One pass; raises DatabaseFileGone (a KnownError) if the SQLite file went away."""
        ensure_database_file(self._db)
        ids = self.sync.channel_ids(options.channels, due_only=options.watch)
        if options.watch:
            listened = self.sync.channel_ids(options.channels)
            self.mail.refresh(listened)
            ids = sorted(set(ids) | (self.mail.take_woken() & set(listened)))
        results = self.sync.sync_many(ids, options.reconcile, stop)
        if stop.is_set():
            return results
        self._out_of_hours()  # before the outbox, so an acknowledgement goes in this same tick
        connector_for = self.sync.connector_for
        for sent in outbox.send_pending(
            self._factory, lambda cid: connector_for(cid), registry=self._registry
        ):
            self._emit(ReplyHandled(sent.reply_id, sent.state, sent.reason))
        for request_id, state in moderation.carry_out(self._factory, connector_for):
            self._emit(ModerationHandled(request_id, state))
        triage.wake_snoozed(self._factory)
        # After a rules change, open items are brought up to the new rules a batch per tick.
        risk_store.reclassify_stale(self._factory)
        # SLA warnings and breach notices (and any automatic escalation), once a minute.
        self._sla.tick()
        if options.watch:
            self._scheduled_report()
            self._daily_records()
        return results

    def _out_of_hours(self) -> None:
        """Acknowledge out-of-hours arrivals and page on urgent ones; never fatal to the tick."""
        try:
            events = out_of_hours.run(self._factory, registry=self._registry)
        except Exception:
            log.exception("the out-of-hours step failed; the worker carries on")
            return
        for event in events:
            self._emit(event)

    def _daily_records(self) -> None:
        """The day's audit anchor, retention run and attachment sweep (once a local day each)."""
        now = utcnow()
        for job in (anchor.anchor_daily, retention.run_daily, attachments_sweep.sweep_daily):
            try:
                job(self._factory, now, self._tz)
            except Exception:
                log.exception("the daily %s failed; the worker carries on", job.__module__)

    def run(
        self,
        options: WorkerOptions,
        stop: threading.Event,
        parent_alive: Callable[[], bool] = lambda: True,
    ) -> int:
        """Tick once, or until `stop` is set in watch mode; the process's exit code."""
        self.sync.reset_stale_syncing()
        failures = 0
        try:
            while parent_alive():  # an orphaned desktop worker must not poll on
                results = self.tick(options, stop)
                failures = sum(1 for r in results if r.state != ChannelState.OK)
                if not options.watch or stop.wait(TICK_SECONDS):
                    break
        finally:
            self.mail.stop()
        return 0 if options.watch or failures == 0 else EXIT_CHANNEL_FAILED

    def _scheduled_report(self) -> None:
        """Last week's report, once, when its slot has come; a failure never stops the worker."""
        try:
            folder = self._write_due_report()
        except Exception as exc:
            self._emit(ReportFailed(str(exc) or type(exc).__name__))
            return
        if folder is not None:
            self._emit(ReportWritten(str(folder)))

    def _write_due_report(self) -> Path | None:
        sched = schedule.load(self._factory)
        if sched is None:
            return None
        week = schedule.due_week(self._factory, sched, utcnow(), self._tz)
        if week is None:
            return None
        if self._render is None:
            raise RuntimeError("this worker was started without a report renderer")
        folder = Path(sched.folder)
        files = write_weekly(self._factory, self._render, week, folder, set(sched.formats))
        schedule.mark_written(self._factory, week, [str(f) for f in files])
        return folder
