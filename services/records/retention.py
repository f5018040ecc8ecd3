"""Retention by class: how long content is kept, as data, and the run that erases what is past it.

A class names items by status, tag, channel (its name) or risk level, with a number
of days counted from when the public posted the item. An item in several classes is
kept as long as the longest of them says; an item in none is kept. A run erases
(services.records.erasure) every item past its time that no legal hold covers, and
lists the held ones it skipped; a dry run only lists. The worker runs it once a day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from services.errors import InvalidInput, NotFound
from services.records import erasure, holds
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Channel, Item, ItemTag, Tag
from services.store.models_audit import AuditEvent, Setting
from services.store.models_records import Tombstone
from services.workspace import settings as workspace_settings
from services.workspace.actor import Actor, Permission
from services.workspace.unit_of_work import write_transaction

KINDS = ("status", "tag", "channel", "risk")
SETTING = workspace_settings.RETENTION_POLICY
BATCH = 500  # items erased per transaction: a long run never holds the write lock for long


@dataclass(frozen=True)
class RetentionClass:
    kind: str
    value: str
    days: int

    @property
    def label(self) -> str:
        return f"{self.kind} {self.value} after {self.days} days"


def load_policy(factory: SessionFactory) -> list[RetentionClass]:
    with factory() as s:
        row = s.get(Setting, SETTING.key)
        classes = row.value.get("classes", []) if row is not None else []
    return [RetentionClass(str(c["kind"]), str(c["value"]), int(c["days"])) for c in classes]


def _store(factory: SessionFactory, actor: Actor, classes: list[RetentionClass]) -> None:
    value: dict[str, Any] = {
        "classes": [{"kind": c.kind, "value": c.value, "days": c.days} for c in classes]
    }
    with write_transaction(factory, actor) as tx:
        workspace_settings.put(tx, SETTING.key, value)


def set_class(factory: SessionFactory, actor: Actor, kind: str, value: str, days: int) -> None:
    actor.require(Permission.MANAGE)
    if kind not in KINDS:
        raise InvalidInput(f"a retention class is by {', '.join(KINDS)}, not {kind!r}")
    if days < 1:
        raise InvalidInput("--days must be 1 or more")
    if not value.strip():
        raise InvalidInput("a retention class needs a value (e.g. --class spam)")
    classes = [c for c in load_policy(factory) if (c.kind, c.value) != (kind, value.strip())]
    _store(factory, actor, [*classes, RetentionClass(kind, value.strip(), days)])


def remove_class(factory: SessionFactory, actor: Actor, kind: str, value: str) -> None:
    actor.require(Permission.MANAGE)
    classes = load_policy(factory)
    kept = [c for c in classes if (c.kind, c.value) != (kind, value)]
    if len(kept) == len(classes):
        raise NotFound(f"no retention class {kind} {value}")
    _store(factory, actor, kept)


def _members(c: RetentionClass) -> Select[int, datetime]:
    """Items of this class not yet erased."""
    query = (
        select(Item.id, Item.created_at)
        .outerjoin(Tombstone, Tombstone.item_id == Item.id)
        .where(Tombstone.item_id.is_(None))
    )
    if c.kind == "status":
        return query.where(Item.status == c.value)
    if c.kind == "risk":
        return query.where(Item.risk_level == c.value)
    if c.kind == "channel":
        return query.join(Channel, Channel.id == Item.channel_id).where(Channel.name == c.value)
    return (
        query.join(ItemTag, ItemTag.item_id == Item.id)
        .join(Tag, Tag.id == ItemTag.tag_id)
        .where(Tag.name == c.value)
    )


@dataclass(frozen=True)
class Due:
    item_id: int
    posted_at: datetime
    why: str


@dataclass(frozen=True)
class RetentionRun:
    dry_run: bool
    due: tuple[Due, ...]
    held: tuple[int, ...]
    erased: int = 0
    classes: tuple[RetentionClass, ...] = field(default_factory=tuple)


def _due(factory: SessionFactory, classes: list[RetentionClass], now: datetime) -> list[Due]:
    """Items past their time in every class they are in (the longest class wins)."""
    past: dict[int, tuple[RetentionClass, datetime]] = {}
    kept: set[int] = set()
    with factory() as s:
        for c in classes:
            cutoff = now - timedelta(days=c.days)
            for item_id, posted in s.execute(_members(c).where(Item.created_at < cutoff)):
                if item_id not in past or c.days > past[item_id][0].days:
                    past[item_id] = (c, posted)
            kept.update(
                s.scalars(_members(c).with_only_columns(Item.id).where(Item.created_at >= cutoff))
            )
    due = [
        Due(item_id, posted, f"retention: {c.label}")
        for item_id, (c, posted) in past.items()
        if item_id not in kept
    ]
    return sorted(due, key=lambda d: (d.posted_at, d.item_id))


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def run(
    factory: SessionFactory, actor: Actor | None, now: datetime, *, dry_run: bool = False
) -> RetentionRun:
    """Erase what is past its time (None actor: the worker); held items are listed, never erased."""
    if actor is not None:
        actor.require(Permission.MANAGE)
    classes = load_policy(factory)
    due = _due(factory, classes, now)
    with factory() as s:
        held = holds.held_items(s, [d.item_id for d in due])
    if dry_run:
        return RetentionRun(True, tuple(due), tuple(sorted(held)), 0, tuple(classes))
    why = {d.item_id: d.why for d in due}
    to_erase = [d.item_id for d in due if d.item_id not in held]
    erased = 0
    for chunk in _chunks(to_erase):
        with write_transaction(factory, actor) as tx:
            # Holds are read again inside the write: one placed since the listing still counts.
            still_free = set(chunk) - holds.held_items(tx.session, chunk)
            contacts: set[int] = set()
            for item in tx.session.scalars(select(Item).where(Item.id.in_(still_free))):
                erasure.erase_item(tx, item, why[item.id])
                if item.contact_id is not None:
                    contacts.add(item.contact_id)
                erased += 1
            for contact_id in sorted(contacts):
                erasure.anonymise_contact_if_all_erased(tx, contact_id)
    with write_transaction(factory, actor) as tx:
        tx.audit(
            AuditAction.RETENTION_RUN,
            "retention",
            None,
            None,
            {"erased": erased, "held": len(held), "classes": [c.label for c in classes]},
        )
    return RetentionRun(False, tuple(due), tuple(sorted(held)), erased, tuple(classes))


def run_daily(factory: SessionFactory, now: datetime, tz: ZoneInfo) -> RetentionRun | None:
    """The worker's daily run: once per local day when a policy is set, else None."""
    if not load_policy(factory):
        return None
    with factory() as s:
        last = s.scalar(
            select(AuditEvent.at)
            .where(AuditEvent.action == AuditAction.RETENTION_RUN)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
    if last is not None and last.astimezone(tz).date() >= now.astimezone(tz).date():
        return None
    return run(factory, None, now)
