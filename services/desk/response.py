"""Needs an answer, what answers it, and the SLA clock on it: one definition each.

The list's badge, the sidebar, `inbox --json`, search's `is:answered` /
`is:unanswered` and the weekly report all ask this module; none re-derives it.

- Arrival: when the public posted the item, as the platform says
  (`Item.created_at`); the fetch time (`received_at`) is kept beside it.
- Needs an answer: inbound, marked as needing a reply, not spam, not a feed entry.
- Counts for response figures: needs an answer and was posted after its channel
  was connected. History fetched when a channel is added counts in the volume
  of its own week, never in response times or the SLA.
- First response: the first *sent* reply that answers the item: a reply to the
  item itself, or to a later item in the same thread from the same contact,
  sent after the item was posted. It is kept on the item row
  (`first_response_at`, `first_responder_id`) by `record_sent_reply`, in the
  transaction that records the send, so every reader sees one value.
- Answered as of T: a first response at or before T.
- SLA: due = the policy's target after arrival (business hours if set); within
  = answered by the due time; breached = answered late, or unanswered with the
  due time passed; pending = unanswered and not yet due (at risk once three
  quarters of the target have gone); n/a = does not count for response figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from services.desk.sla import SlaPolicy
from services.store.models import Channel, Direction, Item, ItemKind, Status

AT_RISK_SHARE = 0.75


def needs_answer(direction: str, needs_reply: bool, status: str, kind: str) -> bool:
    return (
        direction == Direction.INBOUND
        and needs_reply
        and status != Status.SPAM
        and kind != ItemKind.FEED_ENTRY
    )


def needs_answer_condition() -> ColumnElement[bool]:
    """`needs_answer` as SQL, for searches and counts."""
    return and_(
        Item.direction == Direction.INBOUND,
        Item.needs_reply.is_(True),
        Item.status != Status.SPAM,
        Item.kind != ItemKind.FEED_ENTRY,
    )


def counts_for_response(needs: bool, posted_at: datetime, connected_at: datetime) -> bool:
    return needs and posted_at >= connected_at


def answered_condition(as_of: datetime | None = None) -> ColumnElement[bool]:
    if as_of is None:
        return Item.first_response_at.is_not(None)
    return and_(Item.first_response_at.is_not(None), Item.first_response_at <= as_of)


def unanswered_condition() -> ColumnElement[bool]:
    """Waiting for our answer: needs one, has none, and nobody closed it."""
    return and_(
        needs_answer_condition(),
        Item.first_response_at.is_(None),
        Item.status != Status.DONE,
    )


@dataclass(frozen=True)
class SlaClock:
    state: str  # within, breached, pending, n/a
    due: datetime | None
    at_risk: bool = False

    @property
    def applies(self) -> bool:
        return self.state != "n/a"


NOT_APPLICABLE = SlaClock("n/a", None)


def sla_clock(
    policy: SlaPolicy,
    tz: ZoneInfo,
    *,
    counts: bool,
    posted_at: datetime,
    first_response_at: datetime | None,
    as_of: datetime,
) -> SlaClock:
    """The SLA state of one item as of a moment; an answer after `as_of` has not happened yet."""
    if not counts:
        return NOT_APPLICABLE
    due = policy.due(posted_at, tz)
    answered_at = (
        first_response_at if first_response_at is not None and first_response_at <= as_of else None
    )
    if answered_at is not None:
        return SlaClock("within" if answered_at <= due else "breached", due)
    if due <= as_of:
        return SlaClock("breached", due)
    share = (as_of - posted_at) / (due - posted_at) if due > posted_at else 1.0
    return SlaClock("pending", due, at_risk=share >= AT_RISK_SHARE)


def connected_at(session: Session) -> dict[int, datetime]:
    """Each channel's connection time (when it was added), by channel id."""
    return {cid: at for cid, at in session.execute(select(Channel.id, Channel.created_at))}


def record_sent_reply(session: Session, item: Item, sent_at: datetime, author_id: int) -> list[int]:
    """Record that a reply to `item` went out: it answers the item and the same person's
    earlier unanswered items in the same thread. Returns the ids whose first response it became."""

    def earlier_than_known(first: datetime | None) -> bool:
        return first is None or sent_at < first

    answered = (
        [item.id]
        if earlier_than_known(item.first_response_at) and sent_at >= item.created_at
        else []
    )
    if answered:
        item.first_response_at = sent_at
        item.first_responder_id = author_id
    if item.thread_id is not None and item.contact_id is not None:
        earlier = select(Item.id).where(
            Item.thread_id == item.thread_id,
            Item.contact_id == item.contact_id,
            Item.id != item.id,
            Item.direction == Direction.INBOUND,
            or_(Item.first_response_at.is_(None), Item.first_response_at > sent_at),
            Item.created_at <= item.created_at,
            Item.created_at <= sent_at,
        )
        ids = list(session.scalars(earlier))
        if ids:
            session.execute(
                update(Item)
                .where(Item.id.in_(ids))
                .values(
                    first_response_at=sent_at,
                    first_responder_id=author_id,
                )
                .execution_options(synchronize_session="fetch")
            )
            answered += ids
    return answered


def posted_between(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Arrival inside [start, end): the report's week."""
    return and_(Item.created_at >= start, Item.created_at < end)
