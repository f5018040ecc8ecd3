"""Undo a triage change: the inverse, in one transaction, only over what the person saw.

A reversible use case (services/inbox/triage.py: tag, untag, assign, set_status) returns
an `UndoToken` with each item's state before the change and the version the change
left it at. `undo` puts every item back as it was, or, if any of them has been
changed since (a colleague, the worker), refuses as a whole naming who changed
what: nothing is half undone and nobody's later work is overwritten.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from services.errors import ConflictError, InvalidInput
from services.inbox.item_versions import changed_by, load_items, touch_version
from services.inbox.triage import tag_names
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Item, ItemTag, Status, Tag, User
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind, Changes, UndoToken
from services.workspace.unit_of_work import Transaction, write_transaction


def undo(factory: SessionFactory, actor: Actor, token: UndoToken) -> Changes:
    actor.require(Permission.TRIAGE)
    if not token.items:
        raise InvalidInput("that change altered nothing: there is nothing to undo")
    with write_transaction(factory, actor) as tx:
        items = load_items(tx, [i.item_id for i in token.items], None)
        by_id = {item.id: item for item in items}
        moved = [
            by_id[i.item_id] for i in token.items if by_id[i.item_id].version != i.version_after
        ]
        if moved:
            raise ConflictError(_refusal(tx, token, moved))
        for recorded in token.items:
            item = by_id[recorded.item_id]
            if token.action == "status":
                _restore_status(tx, item, recorded.before)
            elif token.action == "assign":
                _restore_assignment(tx, item, recorded.before)
            elif token.action in ("tag", "untag") and token.tag is not None:
                _restore_tag(tx, item, token.tag, present=token.action == "untag")
            else:
                raise InvalidInput(f"cannot undo {token.description!r}")
            tx.touched(ChangeKind.ITEMS, item.id)
        return tx.changes()


def _refusal(tx: Transaction, token: UndoToken, moved: list[Item]) -> str:
    first = moved[0]
    more = f" (and {len(moved) - 1} more item(s))" if len(moved) > 1 else ""
    return (
        f"Cannot undo {token.description}: item #{first.id} was changed{changed_by(tx, first)} "
        f"after you{more}. Nothing was undone, so their change stands."
    )


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _status(item: Item) -> dict[str, Any]:
    return {
        "status": item.status.value,
        "snoozed_until": item.snoozed_until.isoformat() if item.snoozed_until else None,
    }


def _restore_status(tx: Transaction, item: Item, before: dict[str, Any]) -> None:
    status, wake = Status(before["status"]), _when(before.get("snoozed_until"))
    if status == Status.SNOOZED and (wake is None or wake <= tx.now):
        status, wake = Status.OPEN, None  # its wake-up time has passed meanwhile
    was = _status(item)
    item.status, item.snoozed_until = status, wake
    item.resolved_at = _when(before.get("resolved_at"))
    tx.audit(AuditAction.ITEM_STATUS, "item", item.id, was, {**_status(item), "undo": True})


def _restore_assignment(tx: Transaction, item: Item, before: dict[str, Any]) -> None:
    names = {uid: name for uid, name in tx.session.execute(select(User.id, User.name))}
    old_id = before.get("assignee_id")
    was = {"assignee": names.get(item.assignee_id) if item.assignee_id else None}
    item.assignee_id = old_id if isinstance(old_id, int) else None
    item.status = Status(before["status"])
    after = {"assignee": names.get(old_id) if isinstance(old_id, int) else None, "undo": True}
    tx.audit(AuditAction.ITEM_ASSIGN, "item", item.id, was, after)


def _restore_tag(tx: Transaction, item: Item, name: str, present: bool) -> None:
    before = tag_names(tx, item.id)
    tag_id = tx.session.scalar(select(Tag.id).where(Tag.name == name))
    if present and name not in before:
        if tag_id is None:
            tag_row = Tag(name=name)
            tx.session.add(tag_row)
            tx.session.flush()
            tag_id = tag_row.id
            tx.touched(ChangeKind.TAGS)
        tx.session.add(ItemTag(item_id=item.id, tag_id=tag_id))
        after = sorted([*before, name])
        tx.audit(
            AuditAction.ITEM_TAG, "item", item.id, {"tags": before}, {"tags": after, "undo": True}
        )
    elif not present and name in before and tag_id is not None:
        tx.session.execute(
            delete(ItemTag).where(ItemTag.item_id == item.id, ItemTag.tag_id == tag_id)
        )
        after = [t for t in before if t != name]
        tx.audit(
            AuditAction.ITEM_UNTAG, "item", item.id, {"tags": before}, {"tags": after, "undo": True}
        )
    touch_version(item)
