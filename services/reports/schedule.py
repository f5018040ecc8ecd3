"""The Monday report: where and when the worker writes last week's report, and which week it last wrote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from services.errors import InvalidInput
from services.records.audit_actions import AuditAction
from services.reports.week import Week, last_full_week
from services.store.db import SessionFactory
from services.store.models_audit import Setting
from services.workspace import settings as workspace_settings
from services.workspace.actor import Actor, Permission
from services.workspace.unit_of_work import write_transaction

KEY = workspace_settings.REPORT_SCHEDULE.key
LAST_KEY = workspace_settings.REPORT_LAST_WEEK.key
FORMATS = ("pdf", "csv", "html")


@dataclass(frozen=True)
class Schedule:
    folder: str
    weekday: int = 0  # Monday
    at: time = time(7, 0)
    formats: tuple[str, ...] = ("pdf", "csv")


def load(factory: SessionFactory) -> Schedule | None:
    with factory() as s:
        row = s.get(Setting, KEY)
        if row is None:
            return None
        v = row.value
        return Schedule(
            v["folder"],
            int(v.get("weekday", 0)),
            time.fromisoformat(v.get("at", "07:00")),
            tuple(v.get("formats", ("pdf", "csv"))),
        )


def set_schedule(factory: SessionFactory, actor: Actor, schedule: Schedule) -> None:
    actor.require(Permission.MANAGE)
    if not set(schedule.formats) <= set(FORMATS) or not schedule.formats:
        raise InvalidInput(f"formats are some of {', '.join(FORMATS)}")
    if not 0 <= schedule.weekday <= 6:
        raise InvalidInput("weekday is 0 (Monday) to 6 (Sunday)")
    value = {
        "folder": schedule.folder,
        "weekday": schedule.weekday,
        "at": schedule.at.isoformat("minutes"),
        "formats": list(schedule.formats),
    }
    with write_transaction(factory, actor) as tx:
        workspace_settings.put(tx, KEY, value, AuditAction.REPORT_SCHEDULE)


def due_week(
    factory: SessionFactory, schedule: Schedule, now: datetime, tz: ZoneInfo
) -> Week | None:
    """The week to write now, or None: once the slot has passed, and only once per week."""
    local = now.astimezone(tz)
    week = last_full_week(now, tz)
    this_monday = week.monday.toordinal() + 7
    slot_day = this_monday + schedule.weekday
    if local.date().toordinal() < slot_day or (
        local.date().toordinal() == slot_day and local.time() < schedule.at
    ):
        return None
    with factory() as s:
        row = s.get(Setting, LAST_KEY)
        if row is not None and row.value.get("week") == week.label:
            return None
    return week


def mark_written(factory: SessionFactory, week: Week, files: list[str]) -> None:
    with write_transaction(factory, None) as tx:
        workspace_settings.put(
            tx, LAST_KEY, {"week": week.label, "files": files}, AuditAction.REPORT_WRITTEN
        )
