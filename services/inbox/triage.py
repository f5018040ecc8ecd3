"""Triage use cases: tag, untag, assign, set status, note — single and bulk.

Each call is one transaction with one audit event per item it changes.
`expected` maps item id → the version the person saw; a mismatch raises
ConflictError naming who changed it, instead of overwriting their work
(services/inbox/item_versions.py reads and writes the items so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select

from services.errors import InvalidInput, NotFound
from services.inbox import read_marks
from services.inbox.item_versions import load_items, write_items
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Item, ItemTag, Note, Status, Tag, User
from services.workspace.actor import Actor, Permission
from services.workspace.changes import Applied, ChangeKind, Changes, ItemBefore, UndoToken
from services.workspace.unit_of_work import Transaction, write_transaction

MAX_NOTE_CHARS = 20_000
MAX_REASON_CHARS = 2_000
# An urgent item leaves the queue (done, snoozed, spam) only with a recorded reason.
LEAVES_QUEUE = (Status.DONE, Status.SNOOZED, Status.SPAM)
MAX_TAG_CHARS = 64


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


def tag_names(tx: Transaction, item_id: int) -> list[str]:
    return sorted(
        tx.session.scalars(
            select(Tag.name)
            .join(ItemTag, ItemTag.tag_id == Tag.id)
            .where(ItemTag.item_id == item_id)
        )
    )


def tag_names_of(tx: Transaction, item_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each item's tags, sorted, in one query (`tag_names` for many items)."""
    found: dict[int, list[str]] = {i: [] for i in item_ids}
    with tx.session.no_autoflush:
        for item_id, name in tx.session.execute(
            select(ItemTag.item_id, Tag.name)
            .join(Tag, Tag.id == ItemTag.tag_id)
            .where(ItemTag.item_id.in_(list(found)))
        ):
            found[item_id].append(name)
    for names in found.values():
        names.sort()
    return found


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
        items = load_items(tx, item_ids, expected, slim=True)
        changed: list[tuple[Item, dict[str, Any]]] = []
        tag_row = tx.session.scalar(select(Tag).where(Tag.name == name))
        if tag_row is None:
            tag_row = Tag(name=name)
            tx.session.add(tag_row)
            tx.session.flush()
            tx.touched(ChangeKind.TAGS)
        tags_before = tag_names_of(tx, [item.id for item in items])
        for item in items:
            before = tags_before[item.id]
            if name in before:
                continue
            tx.audit(
                AuditAction.ITEM_TAG,
                "item",
                item.id,
                {"tags": before},
                {"tags": sorted([*before, name])},
            )
            tx.touched(ChangeKind.ITEMS, item.id)
            changed.append((item, {}))
        if changed:  # one statement for the links, not an ORM object per item
            tx.session.execute(
                insert(ItemTag), [{"item_id": i.id, "tag_id": tag_row.id} for i, _ in changed]
            )
        write_items(tx, changed)  # the tags are in another table: the rows' versions move on
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
        items = load_items(tx, item_ids, expected, slim=True)
        changed: list[tuple[Item, dict[str, Any]]] = []
        tag_id = tx.session.scalar(select(Tag.id).where(Tag.name == name))
        if tag_id is None:
            raise NotFound(f"no tag {name!r}")
        tags_before = tag_names_of(tx, [item.id for item in items])
        for item in items:
            before = tags_before[item.id]
            if name not in before:
                continue
            after = [t for t in before if t != name]
            tx.audit(AuditAction.ITEM_UNTAG, "item", item.id, {"tags": before}, {"tags": after})
            tx.touched(ChangeKind.ITEMS, item.id)
            changed.append((item, {}))
        if changed:
            tx.session.execute(
                delete(ItemTag).where(
                    ItemTag.tag_id == tag_id, ItemTag.item_id.in_([i.id for i, _ in changed])
                )
            )
        write_items(tx, changed)
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
        for item in load_items(tx, item_ids, expected, slim=True):
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
        items = load_items(tx, item_ids, expected, slim=True)
        urgent = [i.id for i in items if i.risk_level == "urgent"]
        if urgent and status in LEAVES_QUEUE and reason is None:
            which = ", ".join(f"#{i}" for i in urgent[:5]) + (" …" if len(urgent) > 5 else "")
            noun = "item" if len(urgent) == 1 else "items"
            verb = "is" if len(urgent) == 1 else "are"
            raise InvalidInput(
                f"{noun} {which} {verb} flagged urgent: marking {status.value} needs a reason "
                "(--reason), kept in the audit trail"
            )
        changed: list[tuple[Item, dict[str, Any]]] = []
        writes: list[tuple[Item, dict[str, Any]]] = []
        for item in items:
            if item.status == status and item.snoozed_until == snoozed_until:
                continue
            before = _status_snapshot(item)
            resolved = item.resolved_at.isoformat() if item.resolved_at else None
            changed.append((item, {**before, "resolved_at": resolved}))
            done = status in (Status.DONE, Status.SPAM)
            values = {
                "status": status,
                "snoozed_until": snoozed_until,
                "resolved_at": (item.resolved_at or tx.now) if done else None,
            }
            writes.append((item, values))
            after = {
                "status": status.value,
                "snoozed_until": snoozed_until.isoformat() if snoozed_until else None,
            }
            if reason is not None:
                after["reason"] = reason
            tx.audit(AuditAction.ITEM_STATUS, "item", item.id, before, after)
            tx.touched(ChangeKind.ITEMS, item.id)
        write_items(tx, writes)
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
