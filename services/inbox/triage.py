"""Triage use cases: tag, untag, assign, set status, note — single and bulk.

Each call is one transaction with one audit event per item it changes.
`expected` maps item id → the version the person saw; a mismatch raises
ConflictError naming who changed it, instead of overwriting their work
(services/inbox/item_versions.py reads and writes the items so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import Table, delete, select

from services.errors import InvalidInput, NotFound
from services.inbox import read_marks
from services.inbox.item_versions import (
    ItemState,
    among_ids,
    load_items,
    load_states,
    load_versions,
    write_versions,
)
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Item, ItemTag, Note, Status, Tag, User
from services.workspace.actor import Actor, Permission
from services.workspace.bulk_insert import insert_rows
from services.workspace.changes import Applied, ChangeKind, Changes, ItemBefore, UndoToken
from services.workspace.unit_of_work import Transaction, write_transaction

MAX_NOTE_CHARS = 20_000
MAX_REASON_CHARS = 2_000
# An urgent item leaves the queue (done, snoozed, spam) only with a recorded reason.
LEAVES_QUEUE = (Status.DONE, Status.SNOOZED, Status.SPAM)
MAX_TAG_CHARS = 64
_NO_VALUES: Mapping[str, Any] = MappingProxyType({})  # a version moving on, nothing else


def _applied(
    tx: Transaction,
    action: str,
    description: str,
    changed: Sequence[tuple[int, dict[str, Any]]],
    versions: Mapping[int, int],
    tag: str | None = None,
) -> Applied:
    """The transaction's changes with their undo token (the versions this change leaves)."""
    token = (
        UndoToken(
            action,
            description,
            tuple(ItemBefore(item_id, versions[item_id], before) for item_id, before in changed),
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
            .where(among_ids(tx, ItemTag.item_id, list(found)))
        ):
            found[item_id].append(name)
    for names in found.values():
        names.sort()
    return found


def new_tag(tx: Transaction, name: str) -> int:
    """A tag nobody has used yet (tagging and undoing an untag both make one): its id."""
    tag_row = Tag(name=name)
    tx.session.add(tag_row)
    tx.session.flush()
    tx.touched(ChangeKind.TAGS)
    return tag_row.id


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
        read = load_versions(tx, item_ids, expected)
        tag_id = tx.session.scalar(select(Tag.id).where(Tag.name == name))
        if tag_id is None:
            tag_id = new_tag(tx, name)
        changed: list[int] = []
        events: dict[tuple[str, ...], tuple[dict[str, Any], dict[str, Any]]] = {}
        for item_id, before in tag_names_of(tx, list(read)).items():
            if name in before:
                continue
            event = events.get(tuple(before))
            if event is None:  # items with the same tags share their events' before and after
                event = events[tuple(before)] = (
                    {"tags": before},
                    {"tags": sorted([*before, name])},
                )
            tx.audit(AuditAction.ITEM_TAG, "item", item_id, *event)
            changed.append(item_id)
        links = [{"item_id": i, "tag_id": tag_id} for i in changed]
        insert_rows(tx.session.connection(), cast(Table, ItemTag.__table__), links)
        # The tags are in another table: the rows' versions move on.
        versions = write_versions(tx, [(i, read[i], _NO_VALUES) for i in changed])
        if versions:
            tx.touched(ChangeKind.ITEMS, *versions)
        return _applied(tx, "tag", f"tag #{name}", [(i, {}) for i in changed], versions, name)


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
        read = load_versions(tx, item_ids, expected)
        tag_id = tx.session.scalar(select(Tag.id).where(Tag.name == name))
        if tag_id is None:
            raise NotFound(f"no tag {name!r}")
        changed: list[int] = []
        events: dict[tuple[str, ...], tuple[dict[str, Any], dict[str, Any]]] = {}
        for item_id, before in tag_names_of(tx, list(read)).items():
            if name not in before:
                continue
            event = events.get(tuple(before))
            if event is None:
                after = [t for t in before if t != name]
                event = events[tuple(before)] = ({"tags": before}, {"tags": after})
            tx.audit(AuditAction.ITEM_UNTAG, "item", item_id, *event)
            changed.append(item_id)
        if changed:
            tx.session.execute(
                delete(ItemTag).where(
                    ItemTag.tag_id == tag_id, among_ids(tx, ItemTag.item_id, changed)
                )
            )
        versions = write_versions(tx, [(i, read[i], _NO_VALUES) for i in changed])
        if versions:
            tx.touched(ChangeKind.ITEMS, *versions)
        return _applied(tx, "untag", f"untag #{name}", [(i, {}) for i in changed], versions, name)


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
        new_id = assignee.id if assignee else None
        changed: list[tuple[int, dict[str, Any]]] = []
        writes: list[tuple[int, int, dict[str, Any]]] = []
        after = {"assignee": user_name}
        befores: dict[int | None, dict[str, Any]] = {}  # shared by items with one assignee
        assigned: dict[str, Any] = {"assignee_id": new_id}
        opened: dict[str, Any] = {"assignee_id": new_id, "status": Status.OPEN}
        for item in load_states(tx, item_ids, expected):
            if item.assignee_id == new_id:
                continue
            changed.append(
                (item.id, {"assignee_id": item.assignee_id, "status": item.status.value})
            )
            before = befores.get(item.assignee_id)
            if before is None:
                was = names.get(item.assignee_id) if item.assignee_id else None
                before = befores[item.assignee_id] = {"assignee": was}
            values = opened if item.status == Status.NEW else assigned
            writes.append((item.id, item.version, values))
            tx.audit(AuditAction.ITEM_ASSIGN, "item", item.id, before, after)
        versions = write_versions(tx, writes)
        if versions:
            tx.touched(ChangeKind.ITEMS, *versions)
        return _applied(tx, "assign", "assignment", changed, versions)


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
        items = load_states(tx, item_ids, expected)
        urgent = [i.id for i in items if i.risk_level == "urgent"]
        if urgent and status in LEAVES_QUEUE and reason is None:
            which = ", ".join(f"#{i}" for i in urgent[:5]) + (" …" if len(urgent) > 5 else "")
            noun = "item" if len(urgent) == 1 else "items"
            verb = "is" if len(urgent) == 1 else "are"
            raise InvalidInput(
                f"{noun} {which} {verb} flagged urgent: marking {status.value} needs a reason "
                "(--reason), kept in the audit trail"
            )
        done = status in (Status.DONE, Status.SPAM)
        after: dict[str, Any] = {
            "status": status.value,
            "snoozed_until": snoozed_until.isoformat() if snoozed_until else None,
        }
        if reason is not None:
            after["reason"] = reason
        changed: list[tuple[int, dict[str, Any]]] = []
        writes: list[tuple[int, int, dict[str, Any]]] = []
        # Items alike share their events' `before` and their new values (one UPDATE each).
        befores: dict[tuple[Status, datetime | None], dict[str, Any]] = {}
        new_values: dict[datetime | None, dict[str, Any]] = {}
        for item in items:
            if item.status == status and item.snoozed_until == snoozed_until:
                continue
            before = befores.get((item.status, item.snoozed_until))
            if before is None:
                before = befores[(item.status, item.snoozed_until)] = _status_snapshot(item)
            resolved = item.resolved_at.isoformat() if item.resolved_at else None
            changed.append((item.id, {**before, "resolved_at": resolved}))
            resolved_at = (item.resolved_at or tx.now) if done else None
            values = new_values.get(resolved_at)
            if values is None:
                values = new_values[resolved_at] = {
                    "status": status,
                    "snoozed_until": snoozed_until,
                    "resolved_at": resolved_at,
                }
            writes.append((item.id, item.version, values))
            tx.audit(AuditAction.ITEM_STATUS, "item", item.id, before, after)
        versions = write_versions(tx, writes)
        if versions:
            tx.touched(ChangeKind.ITEMS, *versions)
        return _applied(tx, "status", f"mark {status.value}", changed, versions)


def _status_snapshot(item: Item | ItemState) -> dict[str, Any]:
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
