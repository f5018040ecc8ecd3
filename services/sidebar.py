"""What the sidebar shows: views, channels with their state, tags — each with a live count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from services import replies
from services.inbox import ViewCounts, view_counts
from services.search import inbox_condition, unindexed
from services.store.db import SessionFactory
from services.store.models import Channel, Item, ItemTag, Reply, ReplyState, Tag, utcnow


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


def _limitation(kind: str, demo: bool) -> str | None:
    name = replies.KIND_NAMES.get(kind, kind)
    if not replies.has_connector(kind):
        return (
            "demo data only: " if demo else ""
        ) + f"Front Counter has no {name} connector yet, so it neither polls nor answers here"
    if demo:
        return (
            "demo data only: nothing is polled or published; "
            f"add your own {name} channel to work it for real"
        )
    return None


def load(factory: SessionFactory, user_id: int | None) -> SidebarData:
    now = utcnow()
    with factory() as s:
        dialect = s.get_bind().dialect.name
        open_cond = inbox_condition(now, dialect)
        # Grouped by `+channel_id` on SQLite: read along ix_item_waiting, not every item's channel.
        channel_id = unindexed(Item.channel_id, dialect)
        per_channel = dict(
            s.execute(select(channel_id, func.count()).where(open_cond).group_by(channel_id)).all()
        )
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
                _limitation(c.kind, bool((c.config or {}).get("demo"))),
            )
            for c in s.scalars(select(Channel).order_by(Channel.name))
        )
        # From the Inbox's items to their tags (a few each), not from every tag link.
        tag_id = unindexed(ItemTag.tag_id, dialect)
        per_tag = dict(
            s.execute(
                select(tag_id, func.count())
                .select_from(Item)
                .join(ItemTag, ItemTag.item_id == unindexed(Item.id, dialect))
                .where(open_cond)
                .group_by(tag_id)
            ).all()
        )
        tag_counts = [
            (name, per_tag.get(tag_id, 0))
            for tag_id, name in s.execute(select(Tag.id, Tag.name).order_by(Tag.name))
        ]
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
    return SidebarData(
        view_counts(factory, user_id, sum(per_channel.values())),
        int(in_review),
        mine.get(ReplyState.RETURNED, 0),
        mine.get(ReplyState.FAILED, 0),
        channels,
        tuple(TagEntry(name, int(n)) for name, n in tag_counts),
    )
