"""The outbox: approved replies are published exactly once by the worker.

A reply is marked `sending` (attempts + 1) and committed *before* the
platform is called. A reply found in `sending` after a crash, or retried
after an attempt whose outcome is unknown, is first looked for on the
platform (parent and body); only if it is not there is it posted again. Transient failures go back to the queue; permanent ones fail
with the platform's reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from services.answers import signatures
from services.answers.replies import Capability, reply_capability
from services.channels.errors import ChannelError, RateLimited, Rejected, Unavailable
from services.channels.ingest import upsert
from services.channels.protocol import Connector, Registry, ReplyTarget, SentReply
from services.desk import automatic_replies, response
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Item, Reply, ReplyState, Thread
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

ConnectorFor = Callable[[int], Connector]


@dataclass(frozen=True)
class OutboxResult:
    reply_id: int
    state: str
    reason: str | None = None


def _target(
    factory: SessionFactory, reply_id: int, registry: Registry
) -> tuple[int, ReplyTarget, str, Capability]:
    with factory() as s:
        reply = s.get_one(Reply, reply_id)
        item = s.get_one(Item, reply.item_id)
        thread_ext = (
            s.scalar(select(Thread.external_id).where(Thread.id == item.thread_id))
            if item.thread_id
            else None
        )
        channel_id, raw, capability = (
            item.channel_id,
            dict(item.raw or {}),
            reply_capability(s, item.id, registry=registry),
        )
        target = ReplyTarget(
            item.external_id, thread_ext, raw, signatures.for_reply(factory, reply_id)
        )
        return channel_id, target, reply.body, capability


def pending(factory: SessionFactory) -> list[int]:
    with factory() as s:
        return list(
            s.scalars(
                select(Reply.id)
                .where(Reply.state.in_((ReplyState.APPROVED, ReplyState.SENDING)))
                .order_by(Reply.id)
            )
        )


def send_one(
    factory: SessionFactory, reply_id: int, connector_for: ConnectorFor, *, registry: Registry
) -> OutboxResult:
    channel_id, target, body, can = _target(factory, reply_id, registry)
    if not can.publishes:
        # Approved before its channel was known to be unsendable (or on demo data): say so
        # instead of trying, so it never hangs in `sending` nor holds up the replies behind it.
        return _fail_unsent(factory, reply_id, f"not sent: {can.reason}")
    try:
        connector = connector_for(channel_id)
    except Exception as exc:  # nothing was called yet, so nothing can have been posted
        log.warning("reply #%s: cannot open channel #%s: %s", reply_id, channel_id, exc)
        return _note_wait(factory, reply_id, f"cannot open the channel: {exc}")
    try:
        with write_transaction(factory, None) as tx:
            reply = tx.session.get_one(Reply, reply_id)
            if reply.state not in (ReplyState.APPROVED, ReplyState.SENDING):
                return OutboxResult(reply_id, reply.state.value)
            # After a crash mid-send, or a timeout, 5xx or lost answer on an earlier attempt,
            # the platform may hold the reply already: look for it before posting again.
            resuming = reply.state == ReplyState.SENDING or reply.attempts > 0
            reply.state = ReplyState.SENDING
            reply.attempts += 1
            reply.updated_at = tx.now
            tx.audit(
                AuditAction.REPLY_SENDING,
                "item",
                reply.item_id,
                None,
                {"reply_id": reply_id, "attempt": reply.attempts},
            )
            tx.touched(ChangeKind.REPLIES, reply.item_id)
        sent = connector.find_reply(target, body) if resuming else None
        if sent is None:
            sent = connector.send_reply(target, body)
    except Rejected as exc:
        return _fail(factory, reply_id, str(exc))
    except (Unavailable, RateLimited) as exc:
        return _requeue(factory, reply_id, str(exc))
    except ChannelError as exc:
        return _requeue(factory, reply_id, str(exc))
    except Exception as exc:  # a connector bug: it may or may not have posted
        log.exception("reply #%s: unexpected error while sending", reply_id)
        return _hold_sending(factory, reply_id, f"unexpected error: {exc}")
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
            tx.touched(ChangeKind.ITEMS, *result.item_ids)
        item = tx.session.get_one(Item, reply.item_id)
        # An out-of-hours acknowledgement leaves the item waiting for a person's answer.
        if not automatic_replies.is_automatic(tx.session, reply.author_id):
            answered = response.record_sent_reply(tx.session, item, tx.now, reply.author_id)
            tx.touched(ChangeKind.ITEMS, *answered)
        tx.audit(
            AuditAction.REPLY_SENT,
            "item",
            item.id,
            None,
            {"reply_id": reply_id, "external_id": sent.external_id, "permalink": sent.permalink},
        )
        tx.touched(ChangeKind.REPLIES, item.id)
        tx.touched(ChangeKind.ITEMS, item.id)
    return OutboxResult(reply_id, "sent")


def _fail(factory: SessionFactory, reply_id: int, reason: str) -> OutboxResult:
    with write_transaction(factory, None) as tx:
        reply = tx.session.get_one(Reply, reply_id)
        reply.state = ReplyState.FAILED
        reply.failure_reason = reason
        reply.updated_at = tx.now
        tx.audit(
            AuditAction.REPLY_FAILED,
            "item",
            reply.item_id,
            None,
            {"reply_id": reply_id, "reason": reason},
        )
        tx.touched(ChangeKind.REPLIES, reply.item_id)
    return OutboxResult(reply_id, "failed", reason)


def _fail_unsent(factory: SessionFactory, reply_id: int, reason: str) -> OutboxResult:
    with factory() as s:
        state = s.get_one(Reply, reply_id).state
    if state not in (ReplyState.APPROVED, ReplyState.SENDING):
        return OutboxResult(reply_id, state.value)
    return _fail(factory, reply_id, reason)


def _note_wait(factory: SessionFactory, reply_id: int, reason: str) -> OutboxResult:
    """Nothing was attempted: the reply keeps its state (and attempts) and waits for the next tick."""
    with factory() as s:
        reply_now = s.get_one(Reply, reply_id)
        if reply_now.failure_reason == f"will retry: {reason}":
            return OutboxResult(reply_id, reply_now.state.value, reason)  # said already
    with write_transaction(factory, None) as tx:
        reply = tx.session.get_one(Reply, reply_id)
        reply.failure_reason = f"will retry: {reason}"
        reply.updated_at = tx.now
        tx.touched(ChangeKind.REPLIES, reply.item_id)
        state = reply.state.value
    return OutboxResult(reply_id, state, reason)


def _hold_sending(factory: SessionFactory, reply_id: int, reason: str) -> OutboxResult:
    """Stays `sending`, so the next attempt looks for it on the platform before posting."""
    with write_transaction(factory, None) as tx:
        reply = tx.session.get_one(Reply, reply_id)
        reply.failure_reason = f"will retry: {reason}"
        reply.updated_at = tx.now
        tx.touched(ChangeKind.REPLIES, reply.item_id)
        give_up = reply.attempts >= MAX_ATTEMPTS
    if give_up:
        return _fail(factory, reply_id, f"gave up after {MAX_ATTEMPTS} attempts: {reason}")
    return OutboxResult(reply_id, "sending", reason)


def _requeue(factory: SessionFactory, reply_id: int, reason: str) -> OutboxResult:
    with write_transaction(factory, None) as tx:
        reply = tx.session.get_one(Reply, reply_id)
        reply.failure_reason = f"will retry: {reason}"
        reply.state = ReplyState.APPROVED
        reply.updated_at = tx.now
        tx.touched(ChangeKind.REPLIES, reply.item_id)
        give_up = reply.attempts >= MAX_ATTEMPTS
    if give_up:
        return _fail(factory, reply_id, f"gave up after {MAX_ATTEMPTS} attempts: {reason}")
    return OutboxResult(reply_id, "approved", reason)


def send_pending(
    factory: SessionFactory, connector_for: ConnectorFor, *, registry: Registry
) -> list[OutboxResult]:
    """Every approved reply, each on its own: one reply's failure never stops the others."""
    results = []
    for rid in pending(factory):
        try:
            results.append(send_one(factory, rid, connector_for, registry=registry))
        except Exception as exc:  # e.g. the database failing mid-way: the next tick retries
            log.exception("reply #%s: not handled", rid)
            results.append(OutboxResult(rid, "error", str(exc)))
    return results
