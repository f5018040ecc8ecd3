"""What the sidebar shows: views, channels with their state, tags — each with a live count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from services.channels.protocol import Registry
from services.inbox import item_counts
from services.inbox.view_counts import ViewCounts
from services.store.db import SessionFactory
from services.store.models import Channel, Reply, ReplyState, Status, Tag, utcnow
from services.store.models_counts import CHANNEL, TAG
from services.store.models_desk import Escalation


@dataclass(frozen=True)
class ChannelEntry:
    id: int
    name: str
    kind: str
    state: str
    state_reason: str | None
    last_success_at: datetime | None
    open_count: int
    demo: bool = False
    """Demo data only: nothing is polled or published."""
    limitation: str | None = None
    """What does not work on this channel today, for its tooltip."""


@dataclass(frozen=True)
class TagEntry:
    name: str
    open_count: int


@dataclass(frozen=True)
class SidebarData:
    views: ViewCounts
    in_review: int
    returned_to_me: int
    failed_mine: int
    channels: tuple[ChannelEntry, ...]
    tags: tuple[TagEntry, ...]


def _limitation(registry: Registry, kind: str, demo: bool) -> str | None:
    name = registry.display_name(kind)
    if kind not in registry:
        return (
            "demo data only: " if demo else ""
        ) + f"Front Counter has no {name} connector yet, so it neither polls nor answers here"
    if demo:
        return (
            "demo data only: nothing is polled or published; "
            f"add your own {name} channel to work it for real"
        )
    return None


def load(factory: SessionFactory, user_id: int | None, *, registry: Registry) -> SidebarData:
    """The sidebar's numbers, read from the counts the database keeps (services/inbox/item_counts.py).

    Only what the counts cannot hold is counted here: snoozed items whose time has come
    (a few, from their own index), open escalations and replies.
    """
    now = utcnow()
    with factory() as s:
        counts = item_counts.maintained(s)
        due = item_counts.snooze_due(s, now)
        per_channel = _plus(counts.of(CHANNEL, _OPEN), due.per_channel)
        per_tag = _plus(counts.of(TAG, _OPEN), due.per_tag)
        channels = tuple(
            ChannelEntry(
                c.id,
                c.name,
                c.kind,
                c.state,
                c.state_reason,
                c.last_success_at,
                int(per_channel.get(c.id, 0)),
                bool((c.config or {}).get("demo")),
                _limitation(registry, c.kind, bool((c.config or {}).get("demo"))),
            )
            for c in s.scalars(select(Channel).order_by(Channel.name))
        )
        tag_counts = [
            (name, per_tag.get(tag_id, 0))
            for tag_id, name in s.execute(select(Tag.id, Tag.name).order_by(Tag.name))
        ]
        escalated = (
            s.scalar(
                select(func.count(func.distinct(Escalation.item_id))).where(
                    Escalation.resolved_at.is_(None)
                )
            )
            or 0
        )
        in_review = (
            s.scalar(
                select(func.count(func.distinct(Reply.item_id))).where(
                    Reply.state == ReplyState.IN_REVIEW
                )
            )
            or 0
        )
        mine = {
            state: int(n)
            for state, n in s.execute(
                select(Reply.state, func.count(func.distinct(Reply.item_id)))
                .where(
                    Reply.author_id == user_id,
                    Reply.state.in_((ReplyState.RETURNED, ReplyState.FAILED)),
                )
                .group_by(Reply.state)
            )
        }
    views = ViewCounts(
        inbox=sum(per_channel.values()),
        mine=counts.assigned(user_id, _MINE),
        escalated=int(escalated),
        snoozed=counts.total((Status.SNOOZED,)) - due.total,
        unread=counts.total((Status.NEW,)),
        unanswered=counts.unanswered(),
    )
    return SidebarData(
        views,
        int(in_review),
        mine.get(ReplyState.RETURNED, 0),
        mine.get(ReplyState.FAILED, 0),
        channels,
        tuple(TagEntry(name, int(n)) for name, n in tag_counts),
    )


_OPEN = (Status.NEW, Status.OPEN)
_MINE = tuple(s for s in Status if s not in (Status.DONE, Status.SPAM))


def _plus(a: dict[int, int], b: dict[int, int]) -> dict[int, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in a.keys() | b.keys()}
