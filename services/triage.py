"""Triage use cases: tag, untag, assign, set status, note — single and bulk.

Each call is one transaction with one audit event per item it changes.
`expected` maps item id → the version the person saw; a mismatch raises
ConflictError naming who changed it, instead of overwriting their work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import attributes

from services.audit import Transaction, write_transaction
from services.changes import Changes
from services.errors import ConflictError, InvalidInput, NotFound
from services.store.db import SessionFactory
from services.store.models import AuditEvent, Item, ItemTag, Note, Status, Tag, User
from services.users import Actor, Permission

MAX_NOTE_CHARS = 20_000
MAX_TAG_CHARS = 64


def load_items(
    tx: Transaction, item_ids: Sequence[int], expected: Mapping[int, int] | None
) -> list[Item]:
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        raise InvalidInput("no item selected")
    items = {i.id: i for i in tx.session.scalars(select(Item).where(Item.id.in_(ids)))}
    missing = [i for i in ids if i not in items]
    if missing:
        raise NotFound(f"no item #{missing[0]}")
    for item_id, version in (expected or {}).items():
        item = items.get(item_id)
        if item is not None and item.version != version:
            raise ConflictError(_conflict_message(tx, item))
    return [items[i] for i in ids]


def _conflict_message(tx: Transaction, item: Item) -> str:
    last = tx.session.execute(
        select(AuditEvent.at, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_type == "item", AuditEvent.subject_id == item.id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    who = f" by {last[1] or 'the sync worker'} at {last[0]:%H:%M}" if last else ""
    return (
        f"Item #{item.id} was changed{who} since you opened it. "
        "Nothing was overwritten: look at it again and repeat your action if it still applies."
    )


def _bump(item: Item) -> None:
    # Tags live in another table; touching the row still moves its version on.
    attributes.flag_modified(item, "status")


def _tag_names(tx: Transaction, item_id: int) -> list[str]:
    return sorted(
        tx.session.scalars(
            select(Tag.name)
            .join(ItemTag, ItemTag.tag_id == Tag.id)
            .where(ItemTag.item_id == item_id)
        )
    )


def _clean_tag(name: str) -> str:
    name = " ".join(name.strip().lower().split())
    if not name or len(name) > MAX_TAG_CHARS or ":" in name or '"' in name:
        raise InvalidInput(
            f"a tag is 1–{MAX_TAG_CHARS} characters, without ':' or quotes (got {name!r})"
        )
    return name.replace(" ", "-")


def tag(
    factory: SessionFactory,
    actor: Actor,
    item_ids: Sequence[int],
    tag_name: str,
    expected: Mapping[int, int] | None = None,
) -> Changes:
    actor.require(Permission.TRIAGE)
    name = _clean_tag(tag_name)
    with write_transaction(factory, actor) as tx:
        items = load_items(tx, item_ids, expected)
        tag_row = tx.session.scalar(select(Tag).where(Tag.name == name))
        if tag_row is None:
            tag_row = Tag(name=name)
            tx.session.add(tag_row)
            tx.session.flush()
            tx.touched("tags")
        for item in items:
            before = _tag_names(tx, item.id)
            if name in before:
                continue
            tx.session.add(ItemTag(item_id=item.id, tag_id=tag_row.id))
            _bump(item)
            tx.audit(
                "item.tag", "item", item.id, {"tags": before}, {"tags": sorted([*before, name])}
            )
            tx.touched("items", item.id)
        return tx.changes()


def untag(
    factory: SessionFactory,
    actor: Actor,
    item_ids: Sequence[int],
    tag_name: str,
    expected: Mapping[int, int] | None = None,
) -> Changes:
    actor.require(Permission.TRIAGE)
    name = _clean_tag(tag_name)
    with write_transaction(factory, actor) as tx:
        items = load_items(tx, item_ids, expected)
        tag_id = tx.session.scalar(select(Tag.id).where(Tag.name == name))
        if tag_id is None:
            raise NotFound(f"no tag {name!r}")
        for item in items:
            before = _tag_names(tx, item.id)
            if name not in before:
                continue
            tx.session.execute(
                delete(ItemTag).where(ItemTag.item_id == item.id, ItemTag.tag_id == tag_id)
            )
            _bump(item)
            after = [t for t in before if t != name]
            tx.audit("item.untag", "item", item.id, {"tags": before}, {"tags": after})
            tx.touched("items", item.id)
        return tx.changes()


def assign(
    factory: SessionFactory,
    actor: Actor,
    item_ids: Sequence[int],
    user_name: str | None,
    expected: Mapping[int, int] | None = None,
) -> Changes:
    """Assign to a user by name; None unassigns."""
    actor.require(Permission.TRIAGE)
    with write_transaction(factory, actor) as tx:
        assignee: User | None = None
        if user_name is not None:
            assignee = tx.session.scalar(select(User).where(User.name == user_name))
            if assignee is None or not assignee.active:
                raise NotFound(f"no active user named {user_name!r}")
        names = {uid: name for uid, name in tx.session.execute(select(User.id, User.name))}
        for item in load_items(tx, item_ids, expected):
            new_id = assignee.id if assignee else None
            if item.assignee_id == new_id:
                continue
            before = {"assignee": names.get(item.assignee_id) if item.assignee_id else None}
            item.assignee_id = new_id
            if item.status == Status.NEW:
                item.status = Status.OPEN
            tx.audit("item.assign", "item", item.id, before, {"assignee": user_name})
            tx.touched("items", item.id)
        return tx.changes()


def set_status(
    factory: SessionFactory,
    actor: Actor,
    item_ids: Sequence[int],
    status: Status,
    snoozed_until: datetime | None = None,
    expected: Mapping[int, int] | None = None,
) -> Changes:
    actor.require(Permission.TRIAGE)
    if status == Status.SNOOZED:
        if snoozed_until is None:
            raise InvalidInput("snoozing needs a time to wake the item up")
        if snoozed_until.tzinfo is None:
            raise InvalidInput("the snooze time needs a time zone")
    elif snoozed_until is not None:
        raise InvalidInput("only snoozed items have a wake-up time")
    with write_transaction(factory, actor) as tx:
        if status == Status.SNOOZED and snoozed_until is not None and snoozed_until <= tx.now:
            raise InvalidInput("the snooze time is in the past")
        for item in load_items(tx, item_ids, expected):
            if item.status == status and item.snoozed_until == snoozed_until:
                continue
            before = _status_snapshot(item)
            item.status = status
            item.snoozed_until = snoozed_until
            if status in (Status.DONE, Status.SPAM):
                item.resolved_at = item.resolved_at or tx.now
            else:
                item.resolved_at = None
            tx.audit("item.status", "item", item.id, before, _status_snapshot(item))
            tx.touched("items", item.id)
        return tx.changes()


def _status_snapshot(item: Item) -> dict[str, Any]:
    return {
        "status": item.status.value,
        "snoozed_until": item.snoozed_until.isoformat() if item.snoozed_until else None,
    }


def mark_read(factory: SessionFactory, actor: Actor, item_id: int) -> Changes:
    """Opening a new item moves it to open; anything else is left as it is."""
    actor.require(Permission.TRIAGE)
    with write_transaction(factory, actor) as tx:
        item = load_items(tx, [item_id], None)[0]
        if item.status == Status.NEW:
            before = _status_snapshot(item)
            item.status = Status.OPEN
            tx.audit("item.status", "item", item.id, before, _status_snapshot(item))
            tx.touched("items", item.id)
        return tx.changes()


def add_note(
    factory: SessionFactory,
    actor: Actor,
    item_id: int,
    body: str,
) -> Changes:
    actor.require(Permission.TRIAGE)
    body = body.strip()
    if not body:
        raise InvalidInput("a note cannot be empty")
    if len(body) > MAX_NOTE_CHARS:
        raise InvalidInput(f"a note is at most {MAX_NOTE_CHARS:,} characters")
    with write_transaction(factory, actor) as tx:
        load_items(tx, [item_id], None)
        note = Note(item_id=item_id, author_id=actor.id, body=body, created_at=tx.now)
        tx.session.add(note)
        tx.session.flush()
        tx.audit("item.note", "item", item_id, None, {"note_id": note.id, "body": body})
        tx.touched("notes", item_id)
        return tx.changes()


def wake_snoozed(factory: SessionFactory) -> Changes:
    """Snoozed items whose time has come go back to open (run by the worker)."""
    with write_transaction(factory, None) as tx:
        due = tx.session.scalars(
            select(Item).where(Item.status == Status.SNOOZED, Item.snoozed_until <= tx.now)
        ).all()
        for item in due:
            before = _status_snapshot(item)
            item.status = Status.OPEN
            item.snoozed_until = None
            tx.audit("item.wake", "item", item.id, before, _status_snapshot(item))
            tx.touched("items", item.id)
        return tx.changes()
