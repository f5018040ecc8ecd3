"""What the sync worker tells whoever watches it, one JSON line per event.

Each event is a frozen dataclass declared here once: the worker writes it with
`to_json`, the desktop reads it back with `from_json` (ui/sync_monitor.py), and
`text()` is the line a person sees when the worker runs without `--progress`.
The JSON keys are the field names, plus "event" (the kind) and "at".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class SyncStarted:
    KIND: ClassVar[str] = "sync_started"
    channel: str

    def text(self) -> str | None:
        return None


@dataclass(frozen=True)
class BatchStored:
    """A page of a channel's items was stored; the counts are the run's totals so far."""

    KIND: ClassVar[str] = "batch"
    channel: str
    items: int
    inserted: int
    updated: int

    def text(self) -> str | None:
        return None


@dataclass(frozen=True)
class SyncFinished:
    KIND: ClassVar[str] = "sync_finished"
    channel: str
    inserted: int
    updated: int
    state: str
    reason: str | None = None
    quarantined: int = 0

    def text(self) -> str | None:
        why = f" — {self.reason}" if self.reason else ""
        return f"{self.channel}: {self.state}, {self.inserted} new, {self.updated} updated{why}"


@dataclass(frozen=True)
class ReplyHandled:
    """The outbox sent a reply, or gave up on it (with the reason)."""

    KIND: ClassVar[str] = "reply"
    reply_id: int
    state: str
    reason: str | None = None

    def text(self) -> str | None:
        return f"reply #{self.reply_id}: {self.state}" + (
            f" — {self.reason}" if self.reason else ""
        )


@dataclass(frozen=True)
class ModerationHandled:
    KIND: ClassVar[str] = "moderation"
    request_id: int
    state: str

    def text(self) -> str | None:
        return f"moderation #{self.request_id}: {self.state}"


@dataclass(frozen=True)
class ReportWritten:
    KIND: ClassVar[str] = "report_written"
    folder: str

    def text(self) -> str | None:
        return f"weekly report written to {self.folder}"


@dataclass(frozen=True)
class ReportFailed:
    KIND: ClassVar[str] = "report_failed"
    reason: str

    def text(self) -> str | None:
        return f"weekly report failed: {self.reason}"


@dataclass(frozen=True)
class OutOfHoursReplied:
    """An out-of-hours acknowledgement was queued: approved (outbox) or in_review."""

    KIND: ClassVar[str] = "out_of_hours_reply"
    item_id: int
    reply_id: int
    state: str

    def text(self) -> str | None:
        return (
            f"item #{self.item_id}: out-of-hours acknowledgement {self.state} "
            f"(reply #{self.reply_id})"
        )


@dataclass(frozen=True)
class OutOfHoursNotSent:
    """An acknowledgement was due, but its text filled in is too long for the channel now."""

    KIND: ClassVar[str] = "out_of_hours_not_sent"
    item_id: int
    channel: str
    reason: str

    def text(self) -> str | None:
        return (
            f"item #{self.item_id}: no out-of-hours acknowledgement on {self.channel} — "
            f"{self.reason}; shorten it (hours ack)"
        )


@dataclass(frozen=True)
class OnCallPaged:
    """An urgent item arrived out of hours: the on-call supervisor (`to`, or nobody) was paged."""

    KIND: ClassVar[str] = "on_call_paged"
    item_id: int
    to: str | None = None

    def text(self) -> str | None:
        if self.to is None:
            return f"URGENT item #{self.item_id} out of hours: no on-call supervisor is set"
        return f"URGENT item #{self.item_id} out of hours: paged {self.to}"


@dataclass(frozen=True)
class WorkerStopped:
    """Only written when the worker had to cut short what still blocked it (`forced`)."""

    KIND: ClassVar[str] = "stopped"
    forced: bool = False

    def text(self) -> str | None:
        if self.forced:
            return "stopped (something was still waiting; the next run picks it up)"
        return "stopped"


WorkerEvent = (
    SyncStarted
    | BatchStored
    | SyncFinished
    | ReplyHandled
    | ModerationHandled
    | ReportWritten
    | ReportFailed
    | OutOfHoursReplied
    | OutOfHoursNotSent
    | OnCallPaged
    | WorkerStopped
)

_BY_KIND: dict[str, type[WorkerEvent]] = {
    cls.KIND: cls
    for cls in (
        SyncStarted,
        BatchStored,
        SyncFinished,
        ReplyHandled,
        ModerationHandled,
        ReportWritten,
        ReportFailed,
        OutOfHoursReplied,
        OutOfHoursNotSent,
        OnCallPaged,
        WorkerStopped,
    )
}


def to_json(event: WorkerEvent, at: datetime | None = None) -> str:
    when = (at or datetime.now(UTC)).isoformat(timespec="seconds")
    return json.dumps({"event": event.KIND, "at": when, **asdict(event)})


# A field's declared type (as written above) → how a value read back is checked.
def _as_str(v: Any) -> str:
    if not isinstance(v, str):
        raise TypeError
    return v


def _as_int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError
    return v


def _as_bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise TypeError
    return v


def _as_optional_str(v: Any) -> str | None:
    return None if v is None else _as_str(v)


_READERS = {"str": _as_str, "int": _as_int, "bool": _as_bool, "str | None": _as_optional_str}


def from_json(line: str) -> WorkerEvent | None:
    """The event a line holds; None for anything else (a stray print, a line cut short)."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    cls = _BY_KIND.get(str(data.get("event")))
    if cls is None:
        return None
    values: dict[str, Any] = {}
    try:
        for f in fields(cls):
            if f.name in data:
                values[f.name] = _READERS[str(f.type)](data[f.name])
        return cls(**values)
    except TypeError:  # a missing or mistyped field: not an event we can trust
        return None
