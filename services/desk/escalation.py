"""Escalations: raising an item to a person or a named team with a reason, and resolving it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select

from services.desk import teams
from services.errors import InvalidInput, NotFound
from services.inbox.item_versions import load_items
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Status, User
from services.store.models_desk import Escalation
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind, Changes
from services.workspace.unit_of_work import write_transaction

MAX_REASON_CHARS = 2000


def escalate(
    factory: SessionFactory,
    actor: Actor,
    item_ids: Sequence[int],
    reason: str,
    to_user: str | None = None,
    to_team: str | None = None,
    expected: Mapping[int, int] | None = None,
) -> Changes:
    actor.require(Permission.TRIAGE)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why you are escalating: the reason is required")
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"the reason is at most {MAX_REASON_CHARS} characters")
    if bool(to_user) == bool(to_team):
        raise InvalidInput("escalate to one person (--to USER) or one team (--team NAME)")
    with write_transaction(factory, actor) as tx:
        target_id = None
        if to_user:
            target_id = tx.session.scalar(
                select(User.id).where(User.name == to_user, User.active.is_(True))
            )
            if target_id is None:
                raise NotFound(f"no active user named {to_user!r}")
        team_name = teams.find(tx.session, to_team).name if to_team else None
        for item in load_items(tx, item_ids, expected):
            esc = Escalation(
                item_id=item.id,
                raised_by_id=actor.id,
                to_user_id=target_id,
                to_team=team_name,
                reason=reason,
                created_at=tx.now,
            )
            tx.session.add(esc)
            if item.status in (Status.NEW, Status.DONE, Status.SNOOZED):
                item.status = Status.OPEN
                item.snoozed_until = None
                item.resolved_at = None
            item.priority = max(item.priority, 1)
            tx.session.flush()
            tx.audit(
                AuditAction.ITEM_ESCALATE,
                "item",
                item.id,
                None,
                {"escalation_id": esc.id, "to_user": to_user, "to_team": to_team, "reason": reason},
            )
            tx.touched(ChangeKind.ESCALATIONS, item.id)
            tx.touched(ChangeKind.ITEMS, item.id)
        return tx.changes()


def resolve(factory: SessionFactory, actor: Actor, item_id: int, resolution: str = "") -> Changes:
    """Resolve every open escalation on the item."""
    actor.require(Permission.TRIAGE)
    with write_transaction(factory, actor) as tx:
        load_items(tx, [item_id], None)
        open_escs = tx.session.scalars(
            select(Escalation).where(
                Escalation.item_id == item_id, Escalation.resolved_at.is_(None)
            )
        ).all()
        if not open_escs:
            raise InvalidInput(f"item #{item_id} has no open escalation")
        for esc in open_escs:
            esc.resolved_at = tx.now
            esc.resolved_by_id = actor.id
            esc.resolution = resolution.strip() or None
            tx.audit(
                AuditAction.ITEM_ESCALATION_RESOLVED,
                "item",
                item_id,
                {"escalation_id": esc.id, "resolved": False},
                {"escalation_id": esc.id, "resolved": True, "resolution": esc.resolution},
            )
        tx.touched(ChangeKind.ESCALATIONS, item_id)
        tx.touched(ChangeKind.ITEMS, item_id)
        return tx.changes()
