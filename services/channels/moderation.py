"""Moderation on the source platform (approve, hold, spam, trash…), reflected back into the item."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from services.channels.protocol import Connector, Registry
from services.errors import InvalidInput, KnownError
from services.inbox.item_versions import load_items
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Channel, Item, Status, User
from services.store.models_channels import ModerationRequest
from services.store.states import ModerationState
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind, Changes
from services.workspace.unit_of_work import write_transaction


def request(
    factory: SessionFactory, actor: Actor, item_id: int, action: str, *, registry: Registry
) -> Changes:
    """Queue a moderation for the sync worker (the desktop never calls a platform itself)."""
    actor.require(Permission.TRIAGE)
    with write_transaction(factory, actor) as tx:
        item = load_items(tx, [item_id], None)[0]
        kind = tx.session.scalar(select(Channel.kind).where(Channel.id == item.channel_id)) or ""
        allowed = registry.moderation_actions(kind)
        if action not in allowed:
            raise InvalidInput(
                f"{kind or 'this'} channel cannot {action!r}; it allows {', '.join(allowed) or 'nothing'}"
            )
        req = ModerationRequest(
            item_id=item_id, action=action, requested_by_id=actor.id, requested_at=tx.now
        )
        tx.session.add(req)
        tx.session.flush()
        tx.audit(
            AuditAction.ITEM_MODERATION_REQUESTED,
            "item",
            item_id,
            None,
            {"action": action, "request_id": req.id},
        )
        tx.touched(ChangeKind.ITEMS, item_id)
        return tx.changes()


def pending(factory: SessionFactory) -> list[tuple[int, int, int, str, int]]:
    """(request id, item id, channel id, action, requested by) of queued moderations, oldest first."""
    with factory() as s:
        return [
            (r.id, r.item_id, channel_id, r.action, r.requested_by_id)
            for r, channel_id in s.execute(
                select(ModerationRequest, Item.channel_id)
                .join(Item, Item.id == ModerationRequest.item_id)
                .where(ModerationRequest.state == ModerationState.PENDING)
                .order_by(ModerationRequest.id)
            )
        ]


def carry_out(
    factory: SessionFactory, connector_for: Callable[[int], Connector]
) -> list[tuple[int, ModerationState]]:
    """The worker's part: apply each queued moderation on its platform, as the person who asked."""
    results = []
    for request_id, item_id, channel_id, action, user_id in pending(factory):
        with factory() as s:
            user = s.get_one(User, user_id)
            actor = Actor(user.id, user.name, user.display_name, user.role, user.collar_number)
        connector = connector_for(channel_id)
        try:
            moderate(factory, actor, item_id, action, connector)
            state, reason = ModerationState.DONE, None
        except KnownError as exc:
            state, reason = ModerationState.FAILED, str(exc)
        finally:
            connector.close()
        with write_transaction(factory, None) as tx:
            req = tx.session.get_one(ModerationRequest, request_id)
            req.state, req.reason, req.done_at = state, reason, tx.now
            tx.touched(ChangeKind.ITEMS, item_id)
        results.append((request_id, state))
    return results


def moderate_now(
    factory: SessionFactory,
    actor: Actor,
    item_id: int,
    action: str,
    connector_for: Callable[[int], Connector],
) -> Changes:
    """Moderate at once (the CLI): the item's own channel's connector, closed afterwards."""
    with factory() as s:
        channel_id = s.scalar(select(Item.channel_id).where(Item.id == item_id))
    if channel_id is None:
        raise InvalidInput(f"no item #{item_id}")
    connector = connector_for(channel_id)
    try:
        return moderate(factory, actor, item_id, action, connector)
    finally:
        connector.close()


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
            AuditAction.ITEM_MODERATE,
            "item",
            item_id,
            before,
            {"action": action, "source_state": state, "status": item.status.value},
        )
        tx.touched(ChangeKind.ITEMS, item_id)
        return tx.changes()
