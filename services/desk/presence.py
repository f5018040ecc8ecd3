"""Nobody replies twice: who has the composer open on an item, and what is already on its way.

A person's composer on an item is a presence row (services/store/models_presence.py):
`start` writes it, `heartbeat` keeps it fresh, `stop` removes it. Readers count a row
only while its heartbeat is younger than STALE_AFTER, so a desktop that crashed (and
never said stop) stops showing "is replying" within a minute instead of blocking the
item. This module is the one home of those rules and of which replies count as pending.

How others hear of it: `start` and `stop` (not heartbeats) add a row to the change feed
with the kind PRESENCE and the item, in the same transaction. On PostgreSQL that row is
announced with NOTIFY (services/workspace/change_feed.py), so another desktop polls at once; on
SQLite its desktop finds the row on its next poll (every second).

Decision: presence is not audited. It records no decision about the public's message
and changes nothing anyone acts on; it is a courtesy signal that lives for minutes and
is deleted. An audit event per opened composer would bury the trail's real actions (a
reply drafted, submitted, approved, sent is audited as before).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.errors import NotFound
from services.store.db import SessionFactory
from services.store.models import Item, ReplyState, User, utcnow
from services.store.models_audit import Change
from services.store.models_presence import Presence
from services.workspace import change_feed
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind, Changes

if TYPE_CHECKING:  # loaded with the first conversation, after the first rows
    from services.inbox.conversation import ReplyView

# The composer beats every HEARTBEAT; a row three beats old belongs to a desktop that is gone.
HEARTBEAT = timedelta(seconds=15)
STALE_AFTER = HEARTBEAT * 3
# A reply in one of these states will reach the public without anyone writing it again.
PENDING_STATES = frozenset({ReplyState.IN_REVIEW, ReplyState.APPROVED, ReplyState.SENDING})
# Ranks written before the name ("PC Dan Hughes"): the collar number goes after the rank.
_RANKS = frozenset(
    {"pc", "pcso", "ps", "dc", "ds", "di", "dci", "sgt", "insp", "ci", "supt", "sc", "spc"}
)


@dataclass(frozen=True)
class Replier:
    """Someone whose composer is open on an item."""

    user_id: int
    name: str  # login name
    label: str  # as signed, with the collar number: "PC 4521 Dan Hughes"
    started_at: datetime


def signed_name(display_name: str, collar_number: str | None) -> str:
    """'PC Dan Hughes' with collar 4521 reads 'PC 4521 Dan Hughes'; without a rank, 'Dan (4521)'."""
    collar = (collar_number or "").strip()
    if not collar:
        return display_name
    first, _, rest = display_name.partition(" ")
    if first.rstrip(".").casefold() in _RANKS and rest:
        return f"{first} {collar} {rest}"
    return f"{display_name} ({collar})"


def start(factory: SessionFactory, actor: Actor, item_id: int) -> Changes:
    """`actor` opened the composer on the item: others see them replying from now on."""
    actor.require(Permission.TRIAGE)
    with factory.begin() as s:
        now = utcnow()
        # Rows of desktops that died on this item go now: nobody reads them again. A write
        # first, as in write_transaction: SQLite takes its write lock at once (or waits).
        s.execute(
            delete(Presence).where(
                Presence.item_id == item_id, Presence.heartbeat_at < now - STALE_AFTER
            )
        )
        if s.get(Item, item_id) is None:
            raise NotFound(f"no item #{item_id}")
        mine = s.scalar(
            select(Presence).where(Presence.user_id == actor.id, Presence.item_id == item_id)
        )
        if mine is not None:  # the same person on a second desktop, or a restart: one row
            mine.heartbeat_at = now
            return Changes()
        s.add(Presence(user_id=actor.id, item_id=item_id, started_at=now, heartbeat_at=now))
        return _announce(s, item_id)


def heartbeat(factory: SessionFactory, actor: Actor, item_id: int) -> Changes:
    """Still replying. A row that was swept meanwhile (a long sleep) is written again."""
    with factory.begin() as s:
        moved = (
            s.connection()
            .execute(
                update(Presence)
                .where(Presence.user_id == actor.id, Presence.item_id == item_id)
                .values(heartbeat_at=utcnow())
            )
            .rowcount
        )
    if moved:
        return Changes()
    return start(factory, actor, item_id)


def stop(factory: SessionFactory, actor: Actor, item_id: int) -> Changes:
    """`actor` left the composer on the item (another item, a reply submitted, the window shut)."""
    with factory.begin() as s:
        gone = (
            s.connection()
            .execute(
                delete(Presence).where(Presence.user_id == actor.id, Presence.item_id == item_id)
            )
            .rowcount
        )
        return _announce(s, item_id) if gone else Changes()


def who_is_replying(
    factory: SessionFactory, item_id: int, besides: int | None = None
) -> list[Replier]:
    """Whose composer is open on the item now (heartbeat fresh), first comer first.

    `besides`: a user id to leave out (the person asking does not warn themself).
    """
    stmt = (
        select(User.id, User.name, User.display_name, User.collar_number, Presence.started_at)
        .join(User, User.id == Presence.user_id)
        .where(Presence.item_id == item_id, Presence.heartbeat_at >= utcnow() - STALE_AFTER)
        .order_by(Presence.started_at, User.id)
    )
    if besides is not None:
        stmt = stmt.where(Presence.user_id != besides)
    with factory() as s:
        rows = s.execute(stmt).all()
    return [
        Replier(uid, name, signed_name(shown, collar), at) for uid, name, shown, collar, at in rows
    ]


def replying_on(
    session: Session, item_ids: Sequence[int], besides: int | None = None
) -> dict[int, tuple[str, ...]]:
    """Who is replying on each of a page of items, as signed ("PC 4521 Dan Hughes"), first
    comer first: one query for the page (the list's rows), never one per item.

    `besides`: the person looking at the list (nobody is shown themself).
    """
    if not item_ids:
        return {}
    stmt = (
        select(Presence.item_id, User.display_name, User.collar_number)
        .join(User, User.id == Presence.user_id)
        .where(
            Presence.item_id.in_(list(item_ids)),
            Presence.heartbeat_at >= utcnow() - STALE_AFTER,
        )
        .order_by(Presence.item_id, Presence.started_at, User.id)
    )
    if besides is not None:
        stmt = stmt.where(Presence.user_id != besides)
    out: dict[int, list[str]] = {}
    for item_id, shown, collar in session.execute(stmt):
        out.setdefault(int(item_id), []).append(signed_name(shown, collar))
    return {k: tuple(v) for k, v in out.items()}


def pending(replies: Iterable[ReplyView]) -> list[ReplyView]:
    """The replies on their way to the public (in review, approved, sending), oldest first."""
    return [r for r in replies if r.state in PENDING_STATES]


def _announce(session: Session, item_id: int) -> Changes:
    """A change-feed row (and, on PostgreSQL, a NOTIFY) so other desktops look again."""
    session.add(
        Change(
            at=utcnow(),
            kinds=ChangeKind.PRESENCE.value,
            item_ids=[item_id],
            origin=session.info.get("origin"),
        )
    )
    change_feed.notify(session)
    return Changes(frozenset({ChangeKind.PRESENCE}), frozenset({item_id}))
