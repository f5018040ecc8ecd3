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

from services import read_marks
from services.audit import Transaction, write_transaction
from services.audit_actions import AuditAction
from services.changes import Applied, ChangeKind, Changes, ItemBefore, UndoToken
from services.errors import ConflictError, InvalidInput, NotFound
from services.store.db import SessionFactory
from services.store.models import AuditEvent, Item, ItemTag, Note, Status, Tag, User
from services.users import Actor, Permission

MAX_NOTE_CHARS = 20_000
MAX_REASON_CHARS = 2_000
# An urgent item leaves the queue (done, snoozed, spam) only with a recorded reason.
_LEAVES_QUEUE = (Status.DONE, Status.SNOOZED, Status.SPAM)
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


def changed_by(tx: Transaction, item: Item) -> str:
    """' by <who> at HH:MM' of the item's last recorded change ('' when there is none)."""
    last = tx.session.execute(
        select(AuditEvent.at, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_type == "item", AuditEvent.subject_id == item.id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return f" by {last[1] or 'the sync worker'} at {last[0]:%H:%M}" if last else ""


def _conflict_message(tx: Transaction, item: Item) -> str:
    return (
        f"Item #{item.id} was changed{changed_by(tx, item)} since you opened it. "
        "Nothing was overwritten: look at it again and repeat your action if it still applies."
    )


def _applied(
    tx: Transaction,
    action: str,
    description: str,
    changed: list[tuple[Item, dict[str, Any]]],
    tag: str | None = None,
) -> Applied:
    """The transaction's changes with their undo token (the versions this change leaves)."""
    tx.session.flush()  # the version column moves on at flush: read what this change left
    token = (
        UndoToken(
            action,
            description,
            tuple(ItemBefore(item.id, item.version, before) for item, before in changed),
            tag,
        )
        if changed
        else None
    )
    return Applied(frozenset(tx.kinds), frozenset(tx.item_ids), token)


def touch_version(item: Item) -> None:
    # Tags live in another table; touching the row still moves its version on.
    attributes.flag_modified(item, "status")


def tag_names(tx: Transaction, item_id: int) -> list[str]:
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
) -> Applied:
    actor.require(Permission.TRIAGE)
    name = _clean_tag(tag_name)
    with write_transaction(factory, actor) as tx:
        items = load_items(tx, item_ids, expected)
        changed: list[tuple[Item, dict[str, Any]]] = []
        tag_row = tx.session.scalar(select(Tag).where(Tag.name == name))
        if tag_row is None:
            tag_row = Tag(name=name)
            tx.session.add(tag_row)
            tx.session.flush()
            tx.touched(ChangeKind.TAGS)
        for item in items:
            before = tag_names(tx, item.id)
            if name in before:
                continue
            tx.session.add(ItemTag(item_id=item.id, tag_id=tag_row.id))
            touch_version(item)
            tx.audit(
                AuditAction.ITEM_TAG,
                "item",
                item.id,
                {"tags": before},
                {"tags": sorted([*before, name])},
            )
            tx.touched(ChangeKind.ITEMS, item.id)
            changed.append((item, {}))
        return _applied(tx, "tag", f"tag #{name}", changed, name)


def untag(
    factory: SessionFactory,
    actor: Actor,
    item_ids: Sequence[int],
    tag_name: str,
    expected: Mapping[int, int] | None = None,
) -> Applied:
    actor.require(Permission.TRIAGE)
    name = _clean_tag(tag_name)
    with write_transaction(factory, actor) as tx:
        items = load_items(tx, item_ids, expected)
        changed: list[tuple[Item, dict[str, Any]]] = []
        tag_id = tx.session.scalar(select(Tag.id).where(Tag.name == name))
        if tag_id is None:
            raise NotFound(f"no tag {name!r}")
        for item in items:
            before = tag_names(tx, item.id)
            if name not in before:
                continue
            tx.session.execute(
                delete(ItemTag).where(ItemTag.item_id == item.id, ItemTag.tag_id == tag_id)
            )
            touch_version(item)
            after = [t for t in before if t != name]
            tx.audit(AuditAction.ITEM_UNTAG, "item", item.id, {"tags": before}, {"tags": after})
            tx.touched(ChangeKind.ITEMS, item.id)
            changed.append((item, {}))
        return _applied(tx, "untag", f"untag #{name}", changed, name)


def assign(
    factory: SessionFactory,
    actor: Actor,
    item_ids: Sequence[int],
    user_name: str | None,
    expected: Mapping[int, int] | None = None,
) -> Applied:
    """Assign to a user by name; None unassigns."""
    actor.require(Permission.TRIAGE)
    with write_transaction(factory, actor) as tx:
        assignee: User | None = None
        if user_name is not None:
            assignee = tx.session.scalar(select(User).where(User.name == user_name))
            if assignee is None or not assignee.active:
                raise NotFound(f"no active user named {user_name!r}")
        names = {uid: name for uid, name in tx.session.execute(select(User.id, User.name))}
        changed: list[tuple[Item, dict[str, Any]]] = []
        for item in load_items(tx, item_ids, expected):
            new_id = assignee.id if assignee else None
            if item.assignee_id == new_id:
                continue
            changed.append((item, {"assignee_id": item.assignee_id, "status": item.status.value}))
            before = {"assignee": names.get(item.assignee_id) if item.assignee_id else None}
            item.assignee_id = new_id
            if item.status == Status.NEW:
                item.status = Status.OPEN
            tx.audit(AuditAction.ITEM_ASSIGN, "item", item.id, before, {"assignee": user_name})
            tx.touched(ChangeKind.ITEMS, item.id)
        return _applied(tx, "assign", "assignment", changed)


def set_status(
    factory: SessionFactory,
    actor: Actor,
    item_ids: Sequence[int],
    status: Status,
    snoozed_until: datetime | None = None,
    expected: Mapping[int, int] | None = None,
    reason: str | None = None,
) -> Applied:
    """Set the status; an urgent item marked done, snoozed or spam needs `reason` (audited)."""
    actor.require(Permission.TRIAGE)
    reason = " ".join((reason or "").split()) or None
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"a reason is at most {MAX_REASON_CHARS:,} characters")
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
        items = load_items(tx, item_ids, expected)
        urgent = [i.id for i in items if i.risk_level == "urgent"]
        if urgent and status in _LEAVES_QUEUE and reason is None:
            which = ", ".join(f"#{i}" for i in urgent[:5]) + (" …" if len(urgent) > 5 else "")
            noun = "item" if len(urgent) == 1 else "items"
            verb = "is" if len(urgent) == 1 else "are"
            raise InvalidInput(
                f"{noun} {which} {verb} flagged urgent: marking {status.value} needs a reason "
                "(--reason), kept in the audit trail"
            )
        changed: list[tuple[Item, dict[str, Any]]] = []
        for item in items:
            if item.status == status and item.snoozed_until == snoozed_until:
                continue
            before = _status_snapshot(item)
            resolved = item.resolved_at.isoformat() if item.resolved_at else None
            changed.append((item, {**before, "resolved_at": resolved}))
            item.status = status
            item.snoozed_until = snoozed_until
            if status in (Status.DONE, Status.SPAM):
                item.resolved_at = item.resolved_at or tx.now
            else:
                item.resolved_at = None
            after = _status_snapshot(item)
            if reason is not None:
                after["reason"] = reason
            tx.audit(AuditAction.ITEM_STATUS, "item", item.id, before, after)
            tx.touched(ChangeKind.ITEMS, item.id)
        return _applied(tx, "status", f"mark {status.value}", changed)


def _status_snapshot(item: Item) -> dict[str, Any]:
    return {
        "status": item.status.value,
        "snoozed_until": item.snoozed_until.isoformat() if item.snoozed_until else None,
    }


def mark_read(factory: SessionFactory, actor: Actor, item_id: int) -> Changes:
    """Opening an item marks it read for this person; a new item also moves to open for the team."""
    actor.require(Permission.TRIAGE)
    with write_transaction(factory, actor) as tx:
        item = load_items(tx, [item_id], None)[0]
        read_marks.mark(tx.session, actor.id, item.id, tx.now)
        if item.status == Status.NEW:
            before = _status_snapshot(item)
            item.status = Status.OPEN
            tx.audit(AuditAction.ITEM_STATUS, "item", item.id, before, _status_snapshot(item))
            tx.touched(ChangeKind.ITEMS, item.id)
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
        tx.audit(AuditAction.ITEM_NOTE, "item", item_id, None, {"note_id": note.id, "body": body})
        tx.touched(ChangeKind.NOTES, item_id)
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
            tx.audit(AuditAction.ITEM_WAKE, "item", item.id, before, _status_snapshot(item))
            tx.touched(ChangeKind.ITEMS, item.id)
        return tx.changes()
