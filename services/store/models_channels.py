"""Work between the desktop and the platforms: moderation requests and quarantined items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models import Base, utcnow
from services.store.states import ModerationState


class ModerationRequest(Base):
    """Moderation asked for where no network is allowed (the desktop); the worker carries it out."""

    __tablename__ = "moderation_request"
    __table_args__ = (Index("ix_moderation_request_state", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("item.id", ondelete="CASCADE")
    )
    action: Mapped[str] = mapped_column(String(20))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(20), default=ModerationState.PENDING)
    reason: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]


class QuarantinedItem(Base):
    """An item a platform sent that could not be stored: kept with the reason, retried every run.

    `payload` is the whole mapped item (the raw platform data inside it), escaped by
    services.channels.outside_text so either database stores it; the row goes once the item stores.
    """

    __tablename__ = "quarantined_item"
    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
