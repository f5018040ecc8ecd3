"""Undo a triage change: the inverse, in one transaction, only over what the person saw.

A reversible use case (services/inbox/triage.py: tag, untag, assign, set_status) returns
an `UndoToken` with each item's state before the change and the version the change
left it at. `undo` puts every item back as it was, or, if any of them has been
changed since (a colleague, the worker), refuses as a whole naming who changed
what: nothing is half undone and nobody's later work is overwritten. Like the change
it reverses, a bulk undo reads plain rows and writes one UPDATE per set of values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, select

from services.errors import ConflictError, InvalidInput
from services.inbox.item_versions import (
    ItemState,
    among_ids,
    changed_by,
    load_states,
    load_versions,
    write_versions,
)
from services.inbox.triage import new_tag, tag_names_of
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import ItemTag, Status, Tag, User
from services.workspace.actor import Actor, Permission
from services.workspace.bulk_insert import insert_rows
from services.workspace.changes import ChangeKind, Changes, ItemBefore, UndoToken
from services.workspace.unit_of_work import Transaction, write_transaction

_Write = tuple[int, int, Mapping[str, Any]]


def undo(factory: SessionFactory, actor: Actor, token: UndoToken) -> Changes:
    actor.require(Permission.TRIAGE)
    if not token.items:
        raise InvalidInput("that change altered nothing: there is nothing to undo")
    ids = [i.item_id for i in token.items]
    with write_transaction(factory, actor) as tx:
        tags = token.action in ("tag", "untag") and token.tag is not None
        states: dict[int, ItemState] = {}
        if tags:
            versions = load_versions(tx, ids, None)
        else:
            states = {s.id: s for s in load_states(tx, ids, None)}
            versions = {i: s.version for i, s in states.items()}
        moved = [i.item_id for i in token.items if versions[i.item_id] != i.version_after]
        if moved:
            raise ConflictError(_refusal(tx, token, moved))
        if token.action == "status":
            writes = [_restore_status(tx, states[i.item_id], i.before) for i in token.items]
        elif token.action == "assign":
            names = {uid: name for uid, name in tx.session.execute(select(User.id, User.name))}
            writes = [_restore_assignment(tx, states[i.item_id], i, names) for i in token.items]
        elif tags and token.tag is not None:
            _restore_tag(tx, token.items, token.tag, present=token.action == "untag")
            # Tags live in another table: the rows' versions still move on.
            writes = [(i, versions[i], {}) for i in ids]
        else:
            raise InvalidInput(f"cannot undo {token.description!r}")
        write_versions(tx, [w for w in writes if w is not None])
        tx.touched(ChangeKind.ITEMS, *ids)
        return tx.changes()


def _refusal(tx: Transaction, token: UndoToken, moved: list[int]) -> str:
    first = moved[0]
    more = f" (and {len(moved) - 1} more item(s))" if len(moved) > 1 else ""
    return (
        f"Cannot undo {token.description}: item #{first} was changed{changed_by(tx, first)} "
        f"after you{more}. Nothing was undone, so their change stands."
    )


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _status(status: Status, wake: datetime | None) -> dict[str, Any]:
    return {"status": status.value, "snoozed_until": wake.isoformat() if wake else None}


def _restore_status(tx: Transaction, item: ItemState, before: dict[str, Any]) -> _Write | None:
    """The item's status as it was (its row written only where that differs from now)."""
    status, wake = Status(before["status"]), _when(before.get("snoozed_until"))
    if status == Status.SNOOZED and (wake is None or wake <= tx.now):
        status, wake = Status.OPEN, None  # its wake-up time has passed meanwhile
    resolved = _when(before.get("resolved_at"))
    was = _status(item.status, item.snoozed_until)
    after = {**_status(status, wake), "undo": True}
    tx.audit(AuditAction.ITEM_STATUS, "item", item.id, was, after)
    if (status, wake, resolved) == (item.status, item.snoozed_until, item.resolved_at):
        return None
    values = {"status": status, "snoozed_until": wake, "resolved_at": resolved}
    return (item.id, item.version, values)


def _restore_assignment(
    tx: Transaction, item: ItemState, recorded: ItemBefore, names: Mapping[int, str]
) -> _Write | None:
    old_id = recorded.before.get("assignee_id")
    old_id = old_id if isinstance(old_id, int) else None
    status = Status(recorded.before["status"])
    was = {"assignee": names.get(item.assignee_id) if item.assignee_id else None}
    after = {"assignee": names.get(old_id) if old_id is not None else None, "undo": True}
    tx.audit(AuditAction.ITEM_ASSIGN, "item", item.id, was, after)
    if (old_id, status) == (item.assignee_id, item.status):
        return None
    return (item.id, item.version, {"assignee_id": old_id, "status": status})


def _restore_tag(
    tx: Transaction, recorded: tuple[ItemBefore, ...], name: str, present: bool
) -> None:
    """Put the tag back on the items (`present`) or take it off them, one event per item."""
    ids = [i.item_id for i in recorded]
    tags = tag_names_of(tx, ids)
    tag_id = tx.session.scalar(select(Tag.id).where(Tag.name == name))
    changed: list[int] = []
    for item_id in ids:
        before = tags[item_id]
        if present and name not in before:
            after = {"tags": sorted([*before, name]), "undo": True}
            tx.audit(AuditAction.ITEM_TAG, "item", item_id, {"tags": before}, after)
            changed.append(item_id)
        elif not present and name in before and tag_id is not None:
            after = {"tags": [t for t in before if t != name], "undo": True}
            tx.audit(AuditAction.ITEM_UNTAG, "item", item_id, {"tags": before}, after)
            changed.append(item_id)
    if not changed:
        return
    if not present:
        tx.session.execute(
            delete(ItemTag).where(ItemTag.tag_id == tag_id, among_ids(tx, ItemTag.item_id, changed))
        )
        return
    if tag_id is None:
        tag_id = new_tag(tx, name)
    links = [{"item_id": i, "tag_id": tag_id} for i in changed]
    insert_rows(tx.session.connection(), cast(Table, ItemTag.__table__), links)
