"""Who has the composer open on which item: the "is replying" presence (issue 11.6).

A row lives while a person's composer is on an item: written when they start, its
heartbeat moved on every so often, deleted when they leave. A desktop that dies
leaves its row behind; readers ignore it once the heartbeat is older than
services/desk/presence.py's STALE_AFTER, so a crash never blocks an item for long.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models import Base


class Presence(Base):
    __tablename__ = "presence"
    __table_args__ = (
        UniqueConstraint("user_id", "item_id"),
        Index("ix_presence_item", "item_id", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("item.id", ondelete="CASCADE")
    )
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
