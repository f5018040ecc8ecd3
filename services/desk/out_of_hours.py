"""Out of hours, the worker's step: acknowledge each person once per period, page on urgent items.

Outside staffed hours (services/desk/staffed_hours.py), on every tick after
the sync, the worker looks at inbound items posted in the current out-of-hours
period that still need an answer:

- An item flagged urgent by risk triage (services/desk/risk_store.py) is never
  acknowledged: the on-call supervisor is paged instead, on every channel,
  whether or not its acknowledgement is on. With no pager gateway, a page is an
  `on_call_page` row (`hours pages`) and an `on_call_paged` worker event (a line
  in the worker's log). It is deliberately not an escalation: the desktop's
  urgent alarm counts an escalated item as taken, and a page is nobody taking it. The person's slot for
  the period is taken too, so a later message of theirs that night is not
  answered "we are not monitoring this page".
- Otherwise, on a channel whose acknowledgement is on, the first such item from
  each person (contact) in the period gets the channel's text, its placeholders
  filled as in a saved reply (lengths: services/desk/out_of_hours_text.py; a text
  the platform would refuse is not queued, and the worker says why). The reply is authored by the `out-of-hours`
  system user and goes through the review policy as a reply by an admin would
  (the admin who switched it on wrote and approved the text): straight to the
  outbox, or held for a supervisor where the policy holds such items (tagged
  sensitive, escalated, or admins' replies reviewed too).

Each item is handled in its own transaction, which re-checks under the write
lock and writes the slot or page row with the reply in one transaction: a worker
killed at any point, or two workers at once, never act twice (unique
channel+contact+period, unique item). It runs in the worker, never in ingest,
so a slow step cannot hold up the next page of items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Exists, and_, exists, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from services.answers import replies, review_policy
from services.channels.protocol import Registry
from services.desk import out_of_hours_text, response
from services.desk.out_of_hours_admin import (
    ChannelAck,
    OutOfHoursConfig,
    ensure_system_user,
    load,
    system_user_id,
)
from services.desk.risk_levels import URGENT
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import (
    Channel,
    Item,
    Reply,
    ReplyState,
    Role,
    User,
    utcnow,
)
from services.store.models_out_of_hours import OnCallPage, OutOfHoursAck
from services.worker_events import OnCallPaged, OutOfHoursNotSent, OutOfHoursReplied
from services.workspace.actor import Actor
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import Transaction, write_transaction

BATCH = 200
# The review policy judges the acknowledgement as a reply by this role: the admin who set it up.
POLICY_ROLE = Role.ADMIN

OutOfHoursEvent = OutOfHoursReplied | OutOfHoursNotSent | OnCallPaged


def run(
    factory: SessionFactory, now: datetime | None = None, *, registry: Registry
) -> list[OutOfHoursEvent]:
    """One pass of the step; what it did, as worker events. Nothing while the desk is staffed."""
    now = now or utcnow()
    with factory() as s:
        config = load(s)
    if config.hours is None or config.hours.is_staffed(now):
        return []
    period = config.hours.period_start(now)
    events: list[OutOfHoursEvent] = []
    for item_id in _unpaged_urgent(factory, period):
        paged = _page(factory, item_id, config)
        if paged is not None:
            events.append(paged)
    acks = config.acks_on()
    if acks:
        for item_id, channel_id in _unacknowledged(factory, acks, period):
            replied = _acknowledge(factory, registry, item_id, acks[channel_id], period)
            if replied is not None:
                events.append(replied)
    return events


def _posted_in_period(period: datetime) -> list[ColumnElement[bool]]:
    # An item fetched as history when its channel was connected is not a new arrival.
    return [
        response.unanswered_condition(),
        Item.created_at >= period,
        Item.created_at >= Channel.created_at,
    ]


def _unpaged_urgent(factory: SessionFactory, period: datetime) -> list[int]:
    with factory() as s:
        return list(
            s.scalars(
                select(Item.id)
                .join(Channel, Channel.id == Item.channel_id)
                .where(
                    Item.risk_level == URGENT,
                    *_posted_in_period(period),
                    ~exists().where(OnCallPage.item_id == Item.id),
                )
                .order_by(Item.created_at, Item.id)
                .limit(BATCH)
            )
        )


def _slot_taken(
    channel_id: SQLCoreOperations[int] | int,
    contact_id: SQLCoreOperations[int | None] | int,
    period: datetime,
) -> Exists:
    return exists().where(
        OutOfHoursAck.channel_id == channel_id,
        OutOfHoursAck.contact_id == contact_id,
        OutOfHoursAck.period_start == period,
    )


def _unacknowledged(
    factory: SessionFactory, acks: dict[int, ChannelAck], period: datetime
) -> list[tuple[int, int]]:
    """(item, channel) of items whose person has no slot yet this period, oldest first."""
    # Per channel: posted since the period began and since the acknowledgement was switched on.
    on_channel = [
        and_(Item.channel_id == a.channel_id, Item.created_at >= max(period, a.since or period))
        for a in acks.values()
    ]
    with factory() as s:
        rows = s.execute(
            select(Item.id, Item.channel_id)
            .join(Channel, Channel.id == Item.channel_id)
            .where(
                or_(*on_channel),
                Item.contact_id.is_not(None),
                *_posted_in_period(period),
                ~_slot_taken(Item.channel_id, Item.contact_id, period),
            )
            .order_by(Item.created_at, Item.id)
            .limit(BATCH)
        )
        return [(item_id, channel_id) for item_id, channel_id in rows]


def _still_unanswered(session: Session, item_id: int) -> Item | None:
    return session.scalar(select(Item).where(Item.id == item_id, response.unanswered_condition()))


def _page(factory: SessionFactory, item_id: int, config: OutOfHoursConfig) -> OnCallPaged | None:
    with write_transaction(factory, None) as tx:
        s = tx.session
        if s.scalar(select(OnCallPage.id).where(OnCallPage.item_id == item_id)) is not None:
            return None  # another worker paged it a moment ago
        item = _still_unanswered(s, item_id)
        if item is None or item.risk_level != URGENT:
            return None
        to = _on_call_user(s, config.on_call)
        s.add(OnCallPage(item_id=item.id, to_user_id=to.id if to else None, paged_at=tx.now))
        name = to.name if to else None
        tx.audit(
            AuditAction.ITEM_PAGE_ON_CALL,
            "item",
            item.id,
            None,
            {"to_user": name},
        )
        tx.touched(ChangeKind.ITEMS, item.id)
        return OnCallPaged(item.id, to.display_name if to else None)


def _on_call_user(session: Session, name: str | None) -> User | None:
    if name is None:
        return None
    return session.scalar(select(User).where(User.name == name, User.active.is_(True)))


def _acknowledge(
    factory: SessionFactory, registry: Registry, item_id: int, ack: ChannelAck, period: datetime
) -> OutOfHoursReplied | OutOfHoursNotSent | None:
    body = _filled_text(factory, registry, ack, item_id)
    with write_transaction(factory, None) as tx:
        s = tx.session
        item = _still_unanswered(s, item_id)
        if item is None or item.contact_id is None:
            return None
        if s.scalar(select(_slot_taken(item.channel_id, item.contact_id, period))):
            return None  # taken since the query: this person's earlier item, or another worker
        too_long = None
        if item.risk_level == URGENT:
            outcome = "urgent"  # never acknowledged: _page raised it to the on-call person
        elif not replies.reply_capability(s, item.id, registry=registry).can_reply:
            outcome = "cannot_reply"
        elif too_long := _length_problem(s, registry, item, body):
            outcome = "too_long"  # the platform would refuse it: said, never queued to fail
        else:
            outcome = "queued"
        reply = _queue_reply(tx, item, body) if outcome == "queued" else None
        s.add(
            OutOfHoursAck(
                channel_id=item.channel_id,
                contact_id=item.contact_id,
                period_start=period,
                item_id=item.id,
                outcome=outcome,
                reply_id=reply.id if reply else None,
                created_at=tx.now,
            )
        )
        if too_long is not None:
            return OutOfHoursNotSent(item.id, ack.channel, too_long)
        return OutOfHoursReplied(item.id, reply.id, reply.state.value) if reply else None


def _length_problem(session: Session, registry: Registry, item: Item, body: str) -> str | None:
    """Checked again on the real text: what the set-up could not know (see out_of_hours_text)."""
    kind, cursor = session.execute(
        select(Channel.kind, Channel.cursor).where(Channel.id == item.channel_id)
    ).one()
    return out_of_hours_text.length_problem(registry, kind, cursor, body, item.raw)


def _queue_reply(tx: Transaction, item: Item, body: str) -> Reply:
    held = review_policy.item_review_reason(
        tx.session, review_policy.load(tx.session), POLICY_ROLE, item.id
    )
    reply = Reply(
        item_id=item.id,
        author_id=ensure_system_user(tx),
        body=body,
        state=ReplyState.IN_REVIEW if held else ReplyState.APPROVED,
        submitted_at=tx.now,
        created_at=tx.now,
        updated_at=tx.now,
    )
    tx.session.add(reply)
    tx.session.flush()
    tx.audit(
        AuditAction.REPLY_OUT_OF_HOURS,
        "item",
        item.id,
        None,
        {
            "reply_id": reply.id,
            "state": reply.state.value,
            "body": body,
            **({"held_because": held} if held else {}),
        },
    )
    tx.touched(ChangeKind.REPLIES, item.id)
    return reply


def _filled_text(factory: SessionFactory, registry: Registry, ack: ChannelAck, item_id: int) -> str:
    """The channel's text with the saved-reply placeholders filled ({name}, {non_emergency}, …),
    the person's own values cut to the lengths the text was checked with when it was set."""
    with factory() as s:
        author = s.get(User, system_user_id(s) or 0)
        kind = s.scalar(select(Channel.kind).where(Channel.id == ack.channel_id)) or ""
    if author is None:  # set up by hand, not by `hours`: {officer} stays for a reviewer to see
        return ack.text
    actor = Actor(author.id, author.name, author.display_name, author.role, None, author.active)
    values = replies.placeholder_values(factory, actor, item_id)
    return replies.fill_placeholders(ack.text, out_of_hours_text.cut(registry, kind, values))


@dataclass(frozen=True)
class PageView:
    id: int
    item_id: int
    channel: str
    paged_at: datetime
    to: str | None
    """The on-call person's display name; None: nobody was on call."""
    item_status: str


def pages(factory: SessionFactory, limit: int = 50) -> list[PageView]:
    """The latest on-call pages, newest first (`hours pages`)."""
    with factory() as s:
        rows = s.execute(
            select(
                OnCallPage.id,
                OnCallPage.item_id,
                Channel.name,
                OnCallPage.paged_at,
                User.display_name,
                Item.status,
            )
            .join(Item, Item.id == OnCallPage.item_id)
            .join(Channel, Channel.id == Item.channel_id)
            .outerjoin(User, User.id == OnCallPage.to_user_id)
            .order_by(OnCallPage.paged_at.desc(), OnCallPage.id.desc())
            .limit(limit)
        ).all()
    return [PageView(r[0], r[1], r[2], r[3], r[4], str(r[5].value)) for r in rows]


@dataclass(frozen=True)
class PageNotice:
    """A page addressed to one person: what their desktop shows (ui/sla_notifier.py)."""

    id: int
    item_id: int
    channel: str
    paged_at: datetime

    @property
    def text(self) -> str:
        return (
            f"You are on call: URGENT item #{self.item_id} on {self.channel} arrived out of "
            f"hours (paged {self.paged_at:%H:%M %d %b} UTC)"
        )


def pages_for(factory: SessionFactory, user_id: int, after_id: int = 0) -> list[PageNotice]:
    """The pages addressed to this person, newest first (`after_id`: only those after it)."""
    with factory() as s:
        rows = s.execute(
            select(OnCallPage.id, OnCallPage.item_id, Channel.name, OnCallPage.paged_at)
            .join(Item, Item.id == OnCallPage.item_id)
            .join(Channel, Channel.id == Item.channel_id)
            .where(OnCallPage.to_user_id == user_id, OnCallPage.id > after_id)
            .order_by(OnCallPage.id.desc())
            .limit(100)
        ).all()
    return [PageNotice(r[0], r[1], r[2], r[3]) for r in rows]
