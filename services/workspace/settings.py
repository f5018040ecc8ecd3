"""Workspace settings: declared once here (key, type, default, description), stored as data rows.

Every desktop and the worker read the same rows; each change is written with
the audit event its declaration names. The services that own a setting parse
its value (review_policy, sla, reports.schedule, desk.risk_view); the CLI and a
settings dialog list them from `SETTINGS` with `overview`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models_audit import Setting
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import Transaction

DEFAULT_TIMEZONE = "Europe/London"
"""The force's time zone when none is configured (FRONT_COUNTER_TZ): reports' weeks, SLA hours."""


@dataclass(frozen=True)
class WorkspaceSetting:
    key: str
    type: str
    """The shape of the stored JSON value, in words."""
    default: Mapping[str, Any] | None
    """What applies while nobody has set it (None: the feature is off until set)."""
    description: str
    action: AuditAction
    """The audit event a change to it is recorded as."""


REVIEW_POLICY = WorkspaceSetting(
    "review_policy",
    "object: direct_roles [role], always_review_tags [tag], review_escalated (bool)",
    {
        "direct_roles": ["supervisor", "admin"],
        "always_review_tags": ["sensitive"],
        "review_escalated": True,
    },
    "who may send a reply without a supervisor's review",
    AuditAction.POLICY_REVIEW,
)
SLA_POLICY = WorkspaceSetting(
    "sla_policy",
    "object: target_hours, update_hours, resolution_hours (numbers), business_hours "
    "{start, end, weekdays}, holidays [date], auto_escalate {team|user, by}, channels {id: "
    "targets}, tags {name: targets} (services/desk/sla_policy.py)",
    {"target_hours": 24.0},
    "the SLA timers' targets (first response, update, resolution), per channel and tag",
    AuditAction.POLICY_SLA,
)
REPORT_SCHEDULE = WorkspaceSetting(
    "report_schedule",
    "object: folder, weekday (0 = Monday), at (HH:MM), formats [pdf, csv, html]",
    None,
    "where and when the sync worker writes last week's report",
    AuditAction.REPORT_SCHEDULE,
)
REPORT_LAST_WEEK = WorkspaceSetting(
    "report_last_week",
    "object: week (ISO week), files [path]",
    None,
    "the last week the worker wrote a report for (kept by the worker, not set by hand)",
    AuditAction.REPORT_WRITTEN,
)
RISK_GUIDANCE = WorkspaceSetting(
    "risk_guidance",
    "object: text, saved_reply (name) or null",
    None,
    "what an officer is told on an urgent item, and the saved reply suggested there",
    AuditAction.SETTING_RISK_GUIDANCE,
)
AUDIT_ANCHOR = WorkspaceSetting(
    "audit_anchor",
    "object: folder, sign (bool)",
    None,
    "where the sync worker appends the audit chain's head once a day (services/records/anchor.py)",
    AuditAction.SETTING_AUDIT_ANCHOR,
)
RETENTION_POLICY = WorkspaceSetting(
    "retention_policy",
    "object: classes [{kind: status|tag|channel|risk, value, days}]",
    None,
    "how long content is kept, by class (services/records/retention.py); none: kept",
    AuditAction.POLICY_RETENTION,
)
STAFFED_HOURS = WorkspaceSetting(
    "staffed_hours",
    "object: days [0 = Monday], start (HH:MM), end (HH:MM), timezone, holidays [YYYY-MM-DD]",
    None,
    "when the desk is staffed; outside it, out-of-hours acknowledgements and on-call pages",
    AuditAction.SETTING_STAFFED_HOURS,
)
OUT_OF_HOURS_ACK = WorkspaceSetting(
    "out_of_hours_ack",
    "object: channels {channel id: {on (bool), text, since}}",
    None,
    "the per-channel acknowledgement sent out of hours, once per person per period",
    AuditAction.SETTING_OUT_OF_HOURS_ACK,
)
ON_CALL_SUPERVISOR = WorkspaceSetting(
    "on_call_supervisor",
    "object: user (name) or null",
    None,
    "who is paged when an urgent item arrives out of hours",
    AuditAction.SETTING_ON_CALL,
)
SETTINGS: tuple[WorkspaceSetting, ...] = (
    REVIEW_POLICY,
    SLA_POLICY,
    REPORT_SCHEDULE,
    REPORT_LAST_WEEK,
    RISK_GUIDANCE,
    AUDIT_ANCHOR,
    RETENTION_POLICY,
    STAFFED_HOURS,
    OUT_OF_HOURS_ACK,
    ON_CALL_SUPERVISOR,
)
_BY_KEY = {s.key: s for s in SETTINGS}


def declared(key: str) -> WorkspaceSetting:
    try:
        return _BY_KEY[key]
    except KeyError:
        raise ValueError(f"{key!r} is not a declared workspace setting") from None


def value(session: Session, setting: WorkspaceSetting) -> dict[str, Any] | None:
    """The stored value, else a copy of the declared default."""
    row = session.get(Setting, setting.key)
    if row is not None:
        return dict(row.value)
    return copy.deepcopy(dict(setting.default)) if setting.default is not None else None


@dataclass(frozen=True)
class SettingValue:
    setting: WorkspaceSetting
    value: dict[str, Any] | None
    is_default: bool


def overview(factory: SessionFactory) -> list[SettingValue]:
    """Every declared setting with what applies now (for `settings` and a settings dialog)."""
    with factory() as s:
        stored = set(s.scalars(select(Setting.key).where(Setting.key.in_(list(_BY_KEY)))))
        return [SettingValue(d, value(s, d), d.key not in stored) for d in SETTINGS]


def put(tx: Transaction, key: str, new: dict[str, Any], action: AuditAction | None = None) -> None:
    """Store a declared setting; recorded as its declared action unless `action` says otherwise."""
    setting = declared(key)
    row = tx.session.get(Setting, key)
    before = dict(row.value) if row else None
    if row is None:
        tx.session.add(Setting(key=key, value=new))
    else:
        row.value = new
    tx.audit(action or setting.action, "setting", None, before, new)
    tx.touched(ChangeKind.SETTINGS)
