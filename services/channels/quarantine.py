"""One bad item never blocks a channel: a batch that cannot be stored is stored item by item.

The fast path writes a page in one transaction. Only when the database
refuses it is the page written again with a SAVEPOINT per item: the items
that store are kept, each one that still fails is quarantined with the
database's reason, and the cursor moves on. Quarantined items are shown on
their channel, tried again at the end of every run, and leave quarantine
the moment they store (from a retry or because the platform sent them again).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, StatementError
from sqlalchemy.orm import Session

from services import heap
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.ingest import UpsertResult, item_key, upsert
from services.channels.outside_text import cut, escape_raw, unescape_raw
from services.errors import NotFound
from services.store.db import SessionFactory
from services.store.models import Channel, Direction, ItemKind
from services.store.models_channels import QuarantinedItem
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction


@dataclass(frozen=True)
class QuarantinedView:
    external_id: str
    reason: str
    first_seen_at: datetime
    last_seen_at: datetime
    attempts: int


def _transient(exc: BaseException) -> bool:
    # A lost connection or a locked database is not the item's fault: fail the run, retry it whole.
    return isinstance(exc, OperationalError | InterfaceError)


def reason_for(exc: BaseException) -> str:
    """The database's own words, first line only: never the statement or its parameters."""
    orig = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    first = (str(orig).strip().splitlines() or [""])[0]
    return cut(f"{type(orig).__name__}: {first}" if first else type(orig).__name__, 500)


def to_payload(incoming: Incoming) -> dict[str, Any]:
    """The item exactly as the connector handed it over, as JSON either database stores."""
    data = dataclasses.asdict(incoming)
    data["kind"] = incoming.kind.value
    data["direction"] = incoming.direction.value
    plain = json.loads(json.dumps(data, default=str))  # datetimes and odd raw values as text
    escaped: dict[str, Any] = escape_raw(plain)
    return escaped


def from_payload(payload: dict[str, Any]) -> Incoming:
    data = unescape_raw(payload)
    known = {f.name for f in dataclasses.fields(Incoming)}
    values = {k: v for k, v in data.items() if k in known}
    values["kind"] = ItemKind(data["kind"])
    values["direction"] = Direction(data.get("direction", Direction.INBOUND.value))
    values["created_at"] = datetime.fromisoformat(data["created_at"])
    updated = data.get("source_updated_at")
    values["source_updated_at"] = datetime.fromisoformat(updated) if updated else None
    values["author"] = Author(**data["author"]) if data.get("author") else None
    values["thread"] = ThreadRef(**data["thread"]) if data.get("thread") else None
    return Incoming(**values)


def held_keys(factory: SessionFactory, channel_id: int) -> set[str]:
    with factory() as s:
        return set(
            s.scalars(
                select(QuarantinedItem.external_id).where(QuarantinedItem.channel_id == channel_id)
            )
        )


def _hold(
    session: Session, channel_id: int, incoming: Incoming, reason: str, now: datetime
) -> None:
    key = item_key(incoming.external_id)
    row = session.scalar(
        select(QuarantinedItem).where(
            QuarantinedItem.channel_id == channel_id, QuarantinedItem.external_id == key
        )
    )
    payload = to_payload(incoming)
    if row is None:
        session.add(
            QuarantinedItem(
                channel_id=channel_id,
                external_id=key,
                reason=reason,
                payload=payload,
                first_seen_at=now,
                last_seen_at=now,
                attempts=1,
            )
        )
    else:
        row.reason, row.payload, row.last_seen_at = reason, payload, now
        row.attempts += 1
    session.flush()


def _release(session: Session, channel_id: int, keys: set[str]) -> None:
    if keys:
        session.execute(
            delete(QuarantinedItem).where(
                QuarantinedItem.channel_id == channel_id, QuarantinedItem.external_id.in_(keys)
            )
        )


def _one_by_one(
    session: Session, channel_id: int, items: list[Incoming], now: datetime
) -> tuple[UpsertResult, set[str], int]:
    result, stored, held = UpsertResult(), set[str](), 0
    for incoming in items:
        try:
            with session.begin_nested():
                one = upsert(session, channel_id, [incoming], now)
        except Exception as exc:
            if _transient(exc):
                raise
            _hold(session, channel_id, incoming, reason_for(exc), now)
            held += 1
            continue
        result.inserted += one.inserted
        result.updated += one.updated
        result.urgent += one.urgent
        stored.add(item_key(incoming.external_id))
    return result, stored, held


def _move_cursor(session: Session, channel_id: int, cursor: dict[str, Any]) -> None:
    # One UPDATE: loading the channel to set its cursor cost a query and a flush per page.
    channels = cast(Table, Channel.__table__)
    session.connection().execute(
        update(channels).where(channels.c.id == channel_id).values(cursor=cursor)
    )


@dataclass(frozen=True)
class Stored:
    result: UpsertResult
    quarantined: int


def store_batch(
    factory: SessionFactory,
    channel_id: int,
    items: list[Incoming],
    cursor: dict[str, Any] | None,
    held: set[str],
) -> Stored:
    """Write one page and, if given, the cursor; an item the database refuses goes to quarantine.

    `held` is the channel's quarantined keys at the start of the run; the ones stored now are
    removed from it and from the table.
    """
    try:
        # A page builds a few thousand rows and records, none of them cyclic (services/heap.py).
        with heap.collector_paused(), write_transaction(factory, None) as tx:
            result = upsert(tx.session, channel_id, items, tx.now)
            back = held & {item_key(i.external_id) for i in items}
            _release(tx.session, channel_id, back)
            if cursor is not None:
                _move_cursor(tx.session, channel_id, cursor)
            if result.item_ids:
                tx.touched(ChangeKind.ITEMS, *result.item_ids)
            if result.urgent:
                tx.touched(ChangeKind.RISK, *result.urgent)
            if back:
                tx.touched(ChangeKind.CHANNELS)
        held -= back
        return Stored(result, 0)
    except Exception as exc:
        if _transient(exc):
            raise
    with write_transaction(factory, None) as tx:
        result, stored, count = _one_by_one(tx.session, channel_id, items, tx.now)
        back = held & stored
        _release(tx.session, channel_id, back)
        if cursor is not None:
            _move_cursor(tx.session, channel_id, cursor)
        if result.item_ids:
            tx.touched(ChangeKind.ITEMS, *result.item_ids)
        if result.urgent:
            tx.touched(ChangeKind.RISK, *result.urgent)
        tx.touched(ChangeKind.CHANNELS)
    held -= back
    held |= {item_key(i.external_id) for i in items} - stored
    return Stored(result, count)


def retry(factory: SessionFactory, channel_id: int, before: datetime) -> UpsertResult:
    """Try again every quarantined item of the channel not already tried since `before`."""
    with factory() as s:
        rows = list(
            s.scalars(
                select(QuarantinedItem).where(
                    QuarantinedItem.channel_id == channel_id,
                    QuarantinedItem.last_seen_at < before,
                )
            )
        )
    if not rows:
        return UpsertResult()
    items = [from_payload(r.payload) for r in rows]
    with write_transaction(factory, None) as tx:
        result, stored, _count = _one_by_one(tx.session, channel_id, items, tx.now)
        _release(tx.session, channel_id, stored)
        if result.item_ids:
            tx.touched(ChangeKind.ITEMS, *result.item_ids)
        if result.urgent:
            tx.touched(ChangeKind.RISK, *result.urgent)
        tx.touched(ChangeKind.CHANNELS)
    return result


def counts(factory: SessionFactory) -> dict[int, int]:
    """Quarantined items per channel id (channels with none are absent)."""
    with factory() as s:
        rows = s.execute(
            select(QuarantinedItem.channel_id, func.count()).group_by(QuarantinedItem.channel_id)
        )
        return {channel_id: int(n) for channel_id, n in rows}


def list_quarantined(factory: SessionFactory, channel_name: str) -> list[QuarantinedView]:
    with factory() as s:
        channel_id = s.scalar(select(Channel.id).where(Channel.name == channel_name))
        if channel_id is None:
            raise NotFound(f"no channel named {channel_name!r}")
        return [
            QuarantinedView(r.external_id, r.reason, r.first_seen_at, r.last_seen_at, r.attempts)
            for r in s.scalars(
                select(QuarantinedItem)
                .where(QuarantinedItem.channel_id == channel_id)
                .order_by(QuarantinedItem.first_seen_at, QuarantinedItem.id)
            )
        ]


def describe(count: int, channel_name: str) -> str:
    """The line the channel shows while items wait in quarantine."""
    noun = "item" if count == 1 else "items"
    return (
        f"{count} {noun} could not be stored and wait in quarantine "
        f"(see `channel quarantine {channel_name}`); they are retried every run"
    )
