"""`item_count`: items per channel, tag and assignee in each status, kept by triggers (0017).

No code writes these rows but the database's own triggers (in the transaction of every
change to `item` and `item_tag`) and `services.inbox.item_counts.recount` (the repair).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models import Base, Item

# Snoozed items in wake-up order (migration 0017): the few whose time has come join the
# Inbox without a write, so the sidebar counts them live from here. Partial, as migration
# 0017 creates it (`+status` on SQLite: the Inbox's status index never serves it, see
# services/inbox/search.py's `unindexed`); see Item's partial indexes for why not declared so.
SNOOZE_DUE = Index(
    "ix_item_snooze_due",
    Item.snoozed_until,
    Item.channel_id,
    Item.status,  # SQLite: covering, the `+status` term is read from the index
    Item.id,
    info={"where": "status = 'snoozed'"},
)

CHANNEL = "channel"
TAG = "tag"
ASSIGNEE = "assignee"
UNANSWERED = "unanswered"
"""Items waiting for an answer (ref_id 0), per status."""


class ItemCount(Base):
    __tablename__ = "item_count"

    dim: Mapped[str] = mapped_column(String(10), primary_key=True)
    """What `ref_id` names: a channel, a tag or an assignee (a user); 0 for unanswered."""
    ref_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
