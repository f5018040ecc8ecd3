"""Moderation on the source platform (approve, hold, spam, trash…), reflected back into the item."""

from __future__ import annotations

from services.audit import write_transaction
from services.changes import Changes
from services.channels.protocol import Connector
from services.errors import InvalidInput
from services.store.db import SessionFactory
from services.store.models import Item, Status
from services.triage import load_items
from services.users import Actor, Permission


def moderate(
    factory: SessionFactory, actor: Actor, item_id: int, action: str, connector: Connector
) -> Changes:
    actor.require(Permission.TRIAGE)
    if action not in connector.moderation_actions:
        allowed = ", ".join(connector.moderation_actions) or "nothing"
        raise InvalidInput(f"this channel cannot {action!r}; it allows {allowed}")
    with factory() as s:
        item = s.get(Item, item_id)
        if item is None:
            raise InvalidInput(f"no item #{item_id}")
        external_id = item.external_id
    state = connector.moderate(
        external_id, action
    )  # network first: record only what the source did
    with write_transaction(factory, actor) as tx:
        item = load_items(tx, [item_id], None)[0]
        before = {"source_state": item.source_state, "status": item.status.value}
        item.source_state = state
        if state == "spam":
            item.status = Status.SPAM
        elif state == "trash" and item.status != Status.SPAM:
            item.status = Status.DONE
        if item.status in (Status.DONE, Status.SPAM):
            item.resolved_at = item.resolved_at or tx.now
        tx.audit(
            "item.moderate",
            "item",
            item_id,
            before,
            {"action": action, "source_state": state, "status": item.status.value},
        )
        tx.touched("items", item_id)
        return tx.changes()
