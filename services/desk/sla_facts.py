"""What the SLA timers need beyond an item's own row, read in bulk for many items at once.

- Pauses: from the audit trail's status changes (item.status events into and out of
  `pending`), so a pause is known to the second without a column on `item`; a pause also ends
  when the public writes again in the thread.
- Update rounds: the public's first message after our last sent reply, per thread and contact.

A handful of queries for a page of rows or a worker sweep, never one per item.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from services.desk.sla_policy import PolicySet
from services.desk.sla_timers import ItemTimers, Pause, SlaFacts, item_timers
from services.records.audit_actions import AuditAction
from services.store.models import Direction, Item, Reply, Status
from services.store.models_audit import AuditEvent
from services.store.planner import unindexed, unindexed_text

WAITING = Status.PENDING.value
"""Our word for waiting on the public: the status `pending`."""
ID_CHUNK = 5_000


class Place(NamedTuple):
    """Where an item sits: a tuple, as a week of the report builds 100,000."""

    item_id: int
    thread_id: int | None
    contact_id: int | None
    status: str


def _touches_waiting() -> object:
    return or_(
        AuditEvent.after["status"].as_string() == WAITING,
        AuditEvent.before["status"].as_string() == WAITING,
    )


def _statuses() -> tuple[ColumnElement[str | None], ColumnElement[str | None]]:
    """A status event's status before and after, read by the database (no JSON decoded here:
    a week's events decoded whole cost the report 0.1 s)."""
    return AuditEvent.before["status"].as_string(), AuditEvent.after["status"].as_string()


def _raw_pauses(
    events: Iterable[tuple[int, datetime, str | None, str | None]],
) -> dict[int, list[Pause]]:
    """Pauses from status events in order: entering pending opens one, leaving closes it."""
    out: dict[int, list[Pause]] = defaultdict(list)
    for item_id, at, was, now in events:
        spans = out[item_id]
        if now == WAITING and was != WAITING and not (spans and spans[-1][1] is None):
            spans.append((at, None))
        elif was == WAITING and now != WAITING and spans and spans[-1][1] is None:
            spans[-1] = (spans[-1][0], at)
    return out


def pauses_of(session: Session, ids: Sequence[int], as_of: datetime) -> dict[int, list[Pause]]:
    """Each item's pauses up to `as_of`, looked up by the items' ids."""
    events: list[tuple[int, datetime, str | None, str | None]] = []
    for k in range(0, len(ids), ID_CHUNK):
        events += session.execute(
            select(AuditEvent.subject_id, AuditEvent.at, *_statuses())
            .where(
                AuditEvent.subject_type == "item",
                AuditEvent.subject_id.in_(ids[k : k + ID_CHUNK]),
                # By the items' ids, never by action and time: without statistics both
                # databases took the (action, at) index and read every status event ever.
                unindexed_text(AuditEvent.action) == AuditAction.ITEM_STATUS.value,
                AuditEvent.at <= as_of,
                _touches_waiting(),  # type: ignore[arg-type]
            )
            .order_by(AuditEvent.seq)
        )
    return _raw_pauses((int(i), at, b, a) for i, at, b, a in events)


def pauses_since(session: Session, start: datetime, as_of: datetime) -> dict[int, list[Pause]]:
    """Every item's pauses with events in [start, as_of]: the report's week, one range read."""
    # Plain rows through the connection: the ORM's row handling cost as much as the read.
    events = session.connection().execute(
        select(AuditEvent.subject_id, AuditEvent.at, *_statuses())
        .where(
            AuditEvent.action == AuditAction.ITEM_STATUS.value,
            AuditEvent.at >= start,
            AuditEvent.at <= as_of,
            AuditEvent.subject_type == "item",
            _touches_waiting(),  # type: ignore[arg-type]
        )
        .order_by(AuditEvent.seq)
    )
    return _raw_pauses((int(i), at, b, a) for i, at, b, a in events if i is not None)


@dataclass(frozen=True)
class Threads:
    """The public's messages and our sent replies, per (thread, contact), in time order."""

    public: dict[tuple[int, int], list[tuple[datetime, int]]]
    replies: dict[tuple[int, int], list[datetime]]

    def followup_after(
        self, key: tuple[int, int], item_id: int, after: datetime
    ) -> datetime | None:
        posts = self.public.get(key, [])
        i = bisect.bisect_right(posts, (after, 2**62))
        return next((at for at, pid in posts[i:] if pid != item_id), None)

    def last_reply(self, key: tuple[int, int]) -> datetime | None:
        sent = self.replies.get(key)
        return sent[-1] if sent else None


def threads_of(session: Session, places: Sequence[Place], as_of: datetime) -> Threads:
    keys: set[tuple[int, int]] = {
        (p.thread_id, p.contact_id)
        for p in places
        if p.thread_id is not None and p.contact_id is not None
    }
    public: dict[tuple[int, int], list[tuple[datetime, int]]] = defaultdict(list)
    replies: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    if not keys:
        return Threads(public, replies)
    threads = sorted({t for t, _ in keys})
    contacts = sorted({c for _, c in keys})
    # Along the thread index only: a few people post tens of thousands of times, and without
    # statistics SQLite took the contact index and read 286,000 rows for one page.
    contact = unindexed(Item.contact_id, session.get_bind().dialect.name)
    for k in range(0, len(threads), ID_CHUNK):
        in_threads = and_(Item.thread_id.in_(threads[k : k + ID_CHUNK]), contact.in_(contacts))
        for tid, cid, at, iid in session.execute(
            select(Item.thread_id, Item.contact_id, Item.created_at, Item.id).where(
                in_threads, Item.direction == Direction.INBOUND, Item.created_at <= as_of
            )
        ):
            if tid is not None and cid is not None and (tid, cid) in keys:
                public[(tid, cid)].append((at, iid))
        for tid, cid, sent in session.execute(
            select(Item.thread_id, Item.contact_id, Reply.sent_at)
            .join(Item, Item.id == Reply.item_id)
            .where(in_threads, Reply.sent_at.is_not(None), Reply.sent_at <= as_of)
        ):
            if tid is not None and cid is not None and (tid, cid) in keys and sent is not None:
                replies[(tid, cid)].append(sent)
    for posts in public.values():
        posts.sort()
    for times in replies.values():
        times.sort()
    return Threads(public, replies)


@dataclass(frozen=True)
class Posted:
    """The public's items posted in [start, until) the caller has already read (the report's
    week): (thread, contact, posted, item id) each."""

    until: datetime
    rows: Iterable[tuple[int | None, int | None, datetime, int]]


def threads_between(
    session: Session, start: datetime, as_of: datetime, known: Posted | None = None
) -> Threads:
    """The public's messages and our sent replies in [start, as_of]: two range reads along the
    posted and sent indexes (the report's week), whatever the number of threads. With `known`,
    only the public's messages after `known.until` are read again."""
    public: dict[tuple[int, int], list[tuple[datetime, int]]] = defaultdict(list)
    replies: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    threaded = and_(Item.thread_id.is_not(None), Item.contact_id.is_not(None))
    # Plain rows, fetched at once: the ORM's row handling cost a third, a fetch a row (as
    # iterating does) another third on PostgreSQL.
    read = session.connection().execute
    read_posts: Iterable[tuple[int | None, int | None, datetime, int]] = ()
    unread = start
    if known is not None:
        read_posts = (r for r in known.rows if r[2] <= as_of)
        unread = known.until
    if unread <= as_of:
        read_posts = itertools.chain(
            read_posts,
            read(
                select(Item.thread_id, Item.contact_id, Item.created_at, Item.id).where(
                    Item.created_at >= unread,
                    Item.created_at <= as_of,
                    Item.direction == Direction.INBOUND,
                    threaded,
                )
            ).all(),
        )
    for tid, cid, at, iid in read_posts:
        if tid is not None and cid is not None:
            public[(tid, cid)].append((at, iid))
    for tid, cid, sent in read(
        select(Item.thread_id, Item.contact_id, Reply.sent_at)
        .join(Item, Item.id == Reply.item_id)
        .where(Reply.sent_at >= start, Reply.sent_at <= as_of, threaded)
    ).all():
        if tid is not None and cid is not None and sent is not None:
            replies[(tid, cid)].append(sent)
    for posts in public.values():
        posts.sort()
    for times in replies.values():
        times.sort()
    return Threads(public, replies)


def update_rounds(
    threads: Threads, place: Place, first_response_at: datetime | None
) -> list[tuple[datetime, datetime | None]]:
    """Every update round after our first answer: the public's first message after our last
    reply (the start), and our next sent reply to them in the thread (None while it is open).
    The open round, if any, is the one `followup_at` finds."""
    if first_response_at is None or not place.thread_id or not place.contact_id:
        return []
    key = (place.thread_id, place.contact_id)
    sent = threads.replies.get(key, [])
    rounds: list[tuple[datetime, datetime | None]] = []
    point = first_response_at
    while (start := threads.followup_after(key, place.item_id, point)) is not None:
        i = bisect.bisect_left(sent, start)
        met = sent[i] if i < len(sent) else None
        rounds.append((start, met))
        if met is None:
            break
        point = met
    return rounds


def followup_at(
    threads: Threads, place: Place, first_response_at: datetime | None
) -> datetime | None:
    """The public's first message after our last reply to them in the thread: an update round."""
    if first_response_at is None or not place.thread_id or not place.contact_id:
        return None
    key = (place.thread_id, place.contact_id)
    last = max(first_response_at, threads.last_reply(key) or first_response_at)
    return threads.followup_after(key, place.item_id, last)


def end_on_public_reply(
    pauses: Sequence[Pause], threads: Threads, place: Place, status: str, as_of: datetime
) -> tuple[Pause, ...]:
    """A pause ends when the public writes again; an item waiting with no recorded start is
    paused from now on (its status was set outside the audited paths)."""
    spans = list(pauses)
    if status == WAITING and not (spans and spans[-1][1] is None):
        spans.append((as_of, None))
    if not spans or not place.thread_id or not place.contact_id:
        return tuple(spans)
    key = (place.thread_id, place.contact_id)
    out: list[Pause] = []
    for a, b in spans:
        wrote = threads.followup_after(key, place.item_id, a)
        if wrote is not None and (b is None or wrote < b) and wrote <= as_of:
            b = wrote
        out.append((a, b))
    return tuple(out)


@dataclass(frozen=True)
class ItemBasics:
    """What a caller already read from the item's row."""

    place: Place
    channel_id: int
    tags: tuple[str, ...]
    posted_at: datetime
    counts: bool
    first_response_at: datetime | None
    resolved_at: datetime | None
    """When it was marked done, if it is done now."""


def timers_for(
    session: Session,
    items: Sequence[ItemBasics],
    policy: PolicySet,
    tz: ZoneInfo,
    as_of: datetime,
) -> dict[int, ItemTimers]:
    """Every item's timers (services/desk/sla_timers.py), from a few bulk reads."""
    timed = [b for b in items if b.counts]
    pauses = pauses_of(session, [b.place.item_id for b in timed], as_of)
    threaded = [
        b.place
        for b in timed
        if b.first_response_at is not None or b.place.item_id in pauses or b.place.status == WAITING
    ]
    threads = threads_of(session, threaded, as_of)
    out: dict[int, ItemTimers] = {}
    for b in timed:
        p = b.place
        facts = SlaFacts(
            b.channel_id,
            b.tags,
            b.posted_at,
            True,
            b.first_response_at,
            b.resolved_at,
            followup_at(threads, p, b.first_response_at),
            end_on_public_reply(pauses.get(p.item_id, ()), threads, p, p.status, as_of),
        )
        out[p.item_id] = item_timers(policy, tz, facts, as_of)
    return out
