"""The outbox: approved replies are published exactly once by the worker.

A reply is marked `sending` (attempts + 1) and committed *before* the
platform is called. A reply found in `sending` after a crash is first
looked for on the platform (parent and body); only if it is not there is it
posted again. Transient failures go back to the queue; permanent ones fail
with the platform's reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from services.audit import write_transaction
from services.channels.errors import ChannelError, RateLimited, Rejected, Unavailable
from services.channels.protocol import Connector, ReplyTarget, SentReply
from services.ingest import upsert
from services.store.db import SessionFactory
from services.store.models import Item, Reply, ReplyState, Thread

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

ConnectorFor = Callable[[int], Connector]


@dataclass(frozen=True)
class OutboxResult:
    reply_id: int
    state: str
    reason: str | None = None


def _target(factory: SessionFactory, reply_id: int) -> tuple[int, ReplyTarget, str]:
    with factory() as s:
        reply = s.get_one(Reply, reply_id)
        item = s.get_one(Item, reply.item_id)
        thread_ext = (
            s.scalar(select(Thread.external_id).where(Thread.id == item.thread_id))
            if item.thread_id
            else None
        )
        return (
            item.channel_id,
            ReplyTarget(item.external_id, thread_ext, dict(item.raw or {})),
            reply.body,
        )


def pending(factory: SessionFactory) -> list[int]:
    with factory() as s:
        return list(
            s.scalars(
                select(Reply.id)
                .where(Reply.state.in_((ReplyState.APPROVED, ReplyState.SENDING)))
                .order_by(Reply.id)
            )
        )


def send_one(factory: SessionFactory, reply_id: int, connector_for: ConnectorFor) -> OutboxResult:
    channel_id, target, body = _target(factory, reply_id)
    with write_transaction(factory, None) as tx:
        reply = tx.session.get_one(Reply, reply_id)
        if reply.state not in (ReplyState.APPROVED, ReplyState.SENDING):
            return OutboxResult(reply_id, reply.state.value)
        resuming = reply.state == ReplyState.SENDING
        reply.state = ReplyState.SENDING
        reply.attempts += 1
        reply.updated_at = tx.now
        tx.audit(
            "reply.sending",
            "item",
            reply.item_id,
            None,
            {"reply_id": reply_id, "attempt": reply.attempts},
        )
        tx.touched("replies", reply.item_id)
    connector = connector_for(channel_id)
    try:
        sent = connector.find_reply(target, body) if resuming else None
        if sent is None:
            sent = connector.send_reply(target, body)
    except Rejected as exc:
        return _fail(factory, reply_id, str(exc))
    except (Unavailable, RateLimited) as exc:
        return _requeue(factory, reply_id, str(exc))
    except ChannelError as exc:
        return _requeue(factory, reply_id, str(exc))
    finally:
        connector.close()
    return _record_sent(factory, reply_id, channel_id, sent)


def _record_sent(
    factory: SessionFactory, reply_id: int, channel_id: int, sent: SentReply
) -> OutboxResult:
    with write_transaction(factory, None) as tx:
        reply = tx.session.get_one(Reply, reply_id)
        reply.state = ReplyState.SENT
        reply.external_id = sent.external_id
        reply.sent_at = tx.now
        reply.failure_reason = None
        reply.updated_at = tx.now
        if sent.created is not None:
            result = upsert(tx.session, channel_id, [sent.created], tx.now)
            tx.touched("items", *result.item_ids)
        item = tx.session.get_one(Item, reply.item_id)
        # First response = the first sent reply to this item (report: Item.first_response_at).
        if item.first_response_at is None:
            item.first_response_at = tx.now
        tx.audit(
            "reply.sent",
            "item",
            item.id,
            None,
            {"reply_id": reply_id, "external_id": sent.external_id, "permalink": sent.permalink},
        )
        tx.touched("replies", item.id)
        tx.touched("items", item.id)
    return OutboxResult(reply_id, "sent")


def _fail(factory: SessionFactory, reply_id: int, reason: str) -> OutboxResult:
    with write_transaction(factory, None) as tx:
        reply = tx.session.get_one(Reply, reply_id)
        reply.state = ReplyState.FAILED
        reply.failure_reason = reason
        reply.updated_at = tx.now
        tx.audit(
            "reply.failed", "item", reply.item_id, None, {"reply_id": reply_id, "reason": reason}
        )
        tx.touched("replies", reply.item_id)
    return OutboxResult(reply_id, "failed", reason)


def _requeue(factory: SessionFactory, reply_id: int, reason: str) -> OutboxResult:
    with write_transaction(factory, None) as tx:
        reply = tx.session.get_one(Reply, reply_id)
        reply.failure_reason = f"will retry: {reason}"
        reply.state = ReplyState.APPROVED
        reply.updated_at = tx.now
        tx.touched("replies", reply.item_id)
        give_up = reply.attempts >= MAX_ATTEMPTS
    if give_up:
        return _fail(factory, reply_id, f"gave up after {MAX_ATTEMPTS} attempts: {reason}")
    return OutboxResult(reply_id, "approved", reason)


def send_pending(factory: SessionFactory, connector_for: ConnectorFor) -> list[OutboxResult]:
    return [send_one(factory, rid, connector_for) for rid in pending(factory)]
