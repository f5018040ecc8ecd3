"""The sidebar's maintained counts: read them, check them, rebuild them.

`item_count` is kept by database triggers in the transaction of every change to items and
their tags (migration 0017), so reading it costs a few hundred rows at any size. What it
cannot hold is time: a snoozed item joins the Inbox when its time comes, without a write.
`snooze_due` counts those few live, from the snoozed part of the status index.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from services.store.db import SessionFactory
from services.store.models import Item, ItemTag, Status
from services.store.models_counts import ASSIGNEE, CHANNEL, TAG, UNANSWERED, ItemCount
from services.store.planner import unindexed
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction

_NOT_CLOSED = tuple(s for s in Status if s not in (Status.DONE, Status.SPAM))
Key = tuple[str, int, str]
"""(dimension, channel/tag/user id, status)"""

# The same as migration 0017's RECOUNT.
RECOUNT = (
    "SELECT 'channel', channel_id, status, count(*) FROM item GROUP BY channel_id, status"
    " UNION ALL SELECT 'assignee', assignee_id, status, count(*) FROM item"
    " WHERE assignee_id IS NOT NULL GROUP BY assignee_id, status"
    " UNION ALL SELECT 'tag', t.tag_id, i.status, count(*) FROM item_tag t"
    " JOIN item i ON i.id = t.item_id GROUP BY t.tag_id, i.status"
    " UNION ALL SELECT 'unanswered', 0, status, count(*) FROM item WHERE direction = 'inbound'"
    " AND needs_reply AND kind <> 'feed_entry' AND first_response_at IS NULL GROUP BY status"
)


@dataclass(frozen=True)
class Counts:
    """Items per (dimension, id, status), as maintained."""

    n: dict[Key, int]

    def of(self, dim: str, statuses: tuple[Status, ...]) -> dict[int, int]:
        """Per channel, tag or user: how many items are in one of `statuses`."""
        wanted = {s.value for s in statuses}
        out: Counter[int] = Counter()
        for (d, ref, status), n in self.n.items():
            if d == dim and status in wanted:
                out[ref] += n
        return dict(out)

    def total(self, statuses: tuple[Status, ...]) -> int:
        return sum(self.of(CHANNEL, statuses).values())

    def unanswered(self) -> int:
        """services/desk/response.py's `unanswered_condition`: waiting for an answer, not closed.

        The triggers count its column terms per status; its status terms are applied here.
        """
        return sum(self.of(UNANSWERED, _NOT_CLOSED).values())

    def assigned(self, user_id: int | None, statuses: tuple[Status, ...]) -> int:
        return 0 if user_id is None else self.of(ASSIGNEE, statuses).get(user_id, 0)


def maintained(session: Session) -> Counts:
    rows = session.execute(
        select(ItemCount.dim, ItemCount.ref_id, ItemCount.status, ItemCount.n).where(
            ItemCount.n != 0
        )
    )
    return Counts({(d, int(r), s): int(n) for d, r, s, n in rows})


def counted(session: Session) -> Counts:
    """The same numbers counted from the items now (slow at a million: the check and repair)."""
    rows = session.execute(text(RECOUNT))
    return Counts({(d, int(r), s): int(n) for d, r, s, n in rows if n})


@dataclass(frozen=True)
class SnoozeDue:
    """Snoozed items whose time has come (in the Inbox, no longer in Snoozed)."""

    per_channel: dict[int, int]
    per_tag: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.per_channel.values())


def snooze_due(session: Session, now: datetime) -> SnoozeDue:
    """Read along ix_item_snooze_due: only the due items, however many are snoozed."""
    dialect = session.get_bind().dialect.name
    status = unindexed(Item.status, dialect)
    snoozed = literal(Status.SNOOZED.value, literal_execute=True)  # the index's WHERE, as text
    due = (status == snoozed, Item.snoozed_until <= now)
    # Grouped by `+column` on SQLite: no index is walked for the grouping's order.
    channel_id, tag_id = unindexed(Item.channel_id, dialect), unindexed(ItemTag.tag_id, dialect)
    per_channel = session.execute(
        select(channel_id, func.count()).where(*due).group_by(channel_id)
    ).all()
    per_tag = session.execute(
        select(tag_id, func.count())
        .select_from(Item)
        .join(ItemTag, ItemTag.item_id == Item.id)
        .where(*due)
        .group_by(tag_id)
    ).all()
    return SnoozeDue({int(c): int(n) for c, n in per_channel}, {int(t): int(n) for t, n in per_tag})


@dataclass(frozen=True)
class Recount:
    rows: int
    """Count rows written."""
    wrong: int
    """Count rows that differed from the items before the repair."""


def recount(factory: SessionFactory) -> Recount:
    """Rebuild `item_count` from the items, with writers held off (`db recount`)."""
    with write_transaction(factory, None) as tx:
        s = tx.session
        before, truth = maintained(s).n, counted(s).n
        wrong = sum(1 for k in before.keys() | truth.keys() if before.get(k) != truth.get(k))
        s.execute(delete(ItemCount))
        if truth:
            s.execute(
                insert(ItemCount),
                [{"dim": d, "ref_id": r, "status": st, "n": n} for (d, r, st), n in truth.items()],
            )
        if wrong:
            tx.touched(ChangeKind.ITEMS)
    return Recount(len(truth), wrong)


__all__ = [
    "ASSIGNEE",
    "CHANNEL",
    "TAG",
    "UNANSWERED",
    "Counts",
    "Recount",
    "SnoozeDue",
    "counted",
    "maintained",
]
