"""Supervisor review of replies: approve (possibly edited) or return with a reason; four eyes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.answers.replies import reply_capability
from services.channels.protocol import Registry
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Item, Reply, ReplyState, User
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind, Changes
from services.workspace.unit_of_work import write_transaction


def _in_review(tx_session: Session, reply_id: int) -> Reply:
    reply = tx_session.get(Reply, reply_id)
    if reply is None:
        raise NotFound(f"no reply #{reply_id}")
    if reply.state != ReplyState.IN_REVIEW:
        raise InvalidInput(f"reply #{reply_id} is {reply.state.value}, not waiting for review")
    return reply


def approve(
    factory: SessionFactory,
    actor: Actor,
    reply_id: int,
    edited_body: str | None = None,
    *,
    registry: Registry,
) -> Changes:
    actor.require(Permission.REVIEW)
    with write_transaction(factory, actor) as tx:
        reply = _in_review(tx.session, reply_id)
        if reply.author_id == actor.id:
            raise PermissionDenied("nobody approves their own reply: ask another supervisor")
        can = reply_capability(tx.session, reply.item_id, registry=registry)
        if not can.can_reply:
            raise InvalidInput(
                f"reply #{reply_id} cannot be sent: {can.reason}; return it to its author instead"
            )
        before = {"state": reply.state.value, "body": reply.body}
        if edited_body is not None and edited_body.strip() and edited_body != reply.body:
            reply.body = edited_body
        reply.state = ReplyState.APPROVED
        reply.reviewer_id = actor.id
        reply.reviewed_at = tx.now
        reply.review_reason = None
        reply.updated_at = tx.now
        tx.audit(
            AuditAction.REPLY_APPROVE,
            "item",
            reply.item_id,
            before,
            {"state": "approved", "body": reply.body, "reply_id": reply_id},
        )
        tx.touched(ChangeKind.REPLIES, reply.item_id)
        return tx.changes()


def return_reply(factory: SessionFactory, actor: Actor, reply_id: int, reason: str) -> Changes:
    actor.require(Permission.REVIEW)
    if not reason.strip():
        raise InvalidInput("say why the reply goes back: the author needs the reason")
    with write_transaction(factory, actor) as tx:
        reply = _in_review(tx.session, reply_id)
        if reply.author_id == actor.id:
            raise PermissionDenied("review someone else's reply, not your own")
        reply.state = ReplyState.RETURNED
        reply.reviewer_id = actor.id
        reply.reviewed_at = tx.now
        reply.review_reason = reason.strip()
        reply.updated_at = tx.now
        tx.audit(
            AuditAction.REPLY_RETURN,
            "item",
            reply.item_id,
            {"state": "in_review"},
            {"state": "returned", "reason": reason.strip(), "reply_id": reply_id},
        )
        tx.touched(ChangeKind.REPLIES, reply.item_id)
        return tx.changes()


@dataclass(frozen=True)
class ReplyRow:
    id: int
    item_id: int
    author: str
    state: str
    body: str
    review_reason: str | None
    failure_reason: str | None
    updated_at: datetime
    external_id: str | None


def list_replies(
    factory: SessionFactory, state: str | None = None, item_id: int | None = None
) -> list[ReplyRow]:
    stmt = (
        select(Reply, User.name)
        .join(User, User.id == Reply.author_id)
        .join(Item, Item.id == Reply.item_id)
        .order_by(Reply.id.desc())
        .limit(500)
    )
    if item_id is not None:
        stmt = stmt.where(Reply.item_id == item_id)
    if state:
        try:
            stmt = stmt.where(Reply.state == ReplyState(state))
        except ValueError:
            raise InvalidInput(
                f"unknown reply state {state!r}: use one of "
                + ", ".join(s.value for s in ReplyState)
            ) from None
    with factory() as s:
        return [
            ReplyRow(
                r.id,
                r.item_id,
                name,
                r.state.value,
                r.body,
                r.review_reason,
                r.failure_reason,
                r.updated_at,
                r.external_id,
            )
            for r, name in s.execute(stmt)
        ]
