"""The inbox list's display rows: one `ItemRow` per item, read by primary key for a slice of ids.

A row carries what the list shows and nothing it must decide: the SLA clocks come from
services/desk/response.py and sla_timers.py, the risk level from risk_store.py, who is replying
from presence.py. `rows` reads a slice of ids; `read_rows` does the same inside a session the
caller already holds (the first page reads its ids and rows in one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.desk import presence, response, sla_policy
from services.desk.response import NOT_APPLICABLE, SlaClock
from services.desk.risk_levels import Reason, reasons_from_json
from services.desk.sla_facts import ItemBasics, Place, timers_for
from services.desk.sla_timers import NO_TIMERS, ItemTimers, first_response_clock
from services.inbox.search_plan import DEFAULT_TZ
from services.store.db import SessionFactory
from services.store.models import Channel, Contact, Item, ItemTag, Reply, Status, Tag, User, utcnow
from services.store.models_desk import Escalation

SNIPPET_CHARS = 160


@dataclass(frozen=True)
class ItemRow:
    id: int
    version: int
    channel_id: int
    channel_name: str
    channel_kind: str
    kind: str
    direction: str
    author: str
    author_handle: str | None
    snippet: str
    received_at: datetime
    status: str
    snoozed_until: datetime | None
    assignee: str | None
    tags: tuple[str, ...]
    escalated: bool
    needs_reply: bool
    first_response_at: datetime | None
    priority: int
    reply_state: str | None = None
    # Arrival and the SLA clock, decided by services/desk/response.py (the list only formats them).
    posted_at: datetime | None = None
    sla: SlaClock = NOT_APPLICABLE
    answered: bool = False
    # The three SLA timers (services/desk/sla_timers.py); the chip shows the nearest.
    timers: ItemTimers = NO_TIMERS
    # "urgent", "watch" or None, and why (services/desk/risk_store.py); the list formats them.
    risk: str | None = None
    risk_reasons: tuple[Reason, ...] = ()
    # Who else has the composer open on it, as signed (services/desk/presence.py).
    replying: tuple[str, ...] = ()


def rows(
    factory: SessionFactory,
    ids: Sequence[int],
    tz: ZoneInfo = DEFAULT_TZ,
    viewer: int | None = None,
) -> list[ItemRow]:
    """Display rows for `ids`, in the order given; ids no longer present are skipped."""
    with factory() as session:
        return read_rows(session, list(ids), tz, viewer)


def read_rows(
    session: Session, ids: list[int], tz: ZoneInfo = DEFAULT_TZ, viewer: int | None = None
) -> list[ItemRow]:
    """`rows` inside a session the caller holds: display rows for `ids`, in that order."""
    if not ids:
        return []
    channels: dict[int, tuple[str, str]] = {}
    connected: dict[int, datetime] = {}
    for cid, cname, ckind, created in session.execute(
        select(Channel.id, Channel.name, Channel.kind, Channel.created_at)
    ):
        channels[cid] = (cname, ckind)
        connected[cid] = created
    policy = sla_policy.load(session)
    now = utcnow()
    # Links first, names second: joined, PostgreSQL without statistics walked every link.
    links = session.execute(
        select(ItemTag.item_id, ItemTag.tag_id).where(ItemTag.item_id.in_(ids))
    ).all()
    names = dict(
        session.execute(
            select(Tag.id, Tag.name).where(Tag.id.in_({tag_id for _, tag_id in links}))
        ).all()
        if links
        else ()
    )
    tags: dict[int, list[str]] = {}
    for item_id, tag_id in links:
        tags.setdefault(item_id, []).append(names[tag_id])
    for found in tags.values():
        found.sort()
    escalated = set(
        session.scalars(
            select(Escalation.item_id).where(
                Escalation.item_id.in_(ids), Escalation.resolved_at.is_(None)
            )
        )
    )
    reply_states: dict[int, str] = {}
    for item_id, state in session.execute(
        select(Reply.item_id, Reply.state).where(Reply.item_id.in_(ids)).order_by(Reply.id)
    ):
        reply_states[item_id] = str(state)  # the latest reply wins
    stmt = (
        select(
            Item.id,
            Item.version,
            Item.channel_id,
            Item.kind,
            Item.direction,
            Contact.display_name,
            Contact.handle,
            func.substr(Item.body_text, 1, SNIPPET_CHARS),
            Item.received_at,
            Item.status,
            Item.snoozed_until,
            User.name,
            Item.needs_reply,
            Item.first_response_at,
            Item.priority,
            Item.created_at,
            Item.risk_level,
            Item.risk_reasons,
            Item.thread_id,
            Item.contact_id,
            Item.resolved_at,
        )
        .outerjoin(Contact, Contact.id == Item.contact_id)
        .outerjoin(User, User.id == Item.assignee_id)
        .where(Item.id.in_(ids))
    )
    by_id: dict[int, ItemRow] = {}
    fetched: Sequence[Any] = session.execute(stmt).all()
    basics = [
        ItemBasics(
            Place(r[0], r[18], r[19], str(r[9])),
            r[2],
            tuple(tags.get(r[0], ())),
            r[15],
            response.counts_for_response(
                response.needs_answer(str(r[4]), bool(r[12]), str(r[9]), str(r[3])),
                r[15],
                connected.get(r[2]) or r[15],
            ),
            r[13],
            r[20] if str(r[9]) == Status.DONE else None,
        )
        for r in fetched
    ]
    timers = timers_for(session, basics, policy, tz, now)
    replying = presence.replying_on(session, ids, besides=viewer)  # one query for the page
    for r in fetched:
        channel_name, channel_kind = channels.get(r[2], ("?", "?"))
        clock = timers.get(r[0], NO_TIMERS)
        by_id[r[0]] = ItemRow(
            id=r[0],
            version=r[1],
            channel_id=r[2],
            channel_name=channel_name,
            channel_kind=channel_kind,
            kind=str(r[3]),
            direction=str(r[4]),
            author=r[5] or r[6] or "(unknown)",
            author_handle=r[6],
            snippet=" ".join((r[7] or "").split()),
            received_at=r[8],
            status=str(r[9]),
            snoozed_until=r[10],
            assignee=r[11],
            tags=tuple(tags.get(r[0], ())),
            escalated=r[0] in escalated,
            needs_reply=bool(r[12]),
            first_response_at=r[13],
            priority=r[14],
            reply_state=reply_states.get(r[0]),
            posted_at=r[15],
            sla=first_response_clock(clock),
            answered=r[13] is not None,
            timers=clock,
            risk=r[16],
            risk_reasons=reasons_from_json(r[17]),
            replying=replying.get(r[0], ()),
        )
    return [by_id[i] for i in ids if i in by_id]
