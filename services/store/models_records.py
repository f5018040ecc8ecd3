"""Records tables (services/records/): raw platform payloads, legal holds, tombstones, welfare choices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models import Base, utcnow


class RawPayload(Base):
    """An item exactly as its platform sent it, kept for evidence (services/records/).

    `body` holds the bytes of this item's part of the platform's answer (for a JSON
    list, the one element's text as it stood in the response): not re-serialised, so
    an evidence bundle can hand over what was received. An edit adds a version.
    """

    __tablename__ = "raw_payload"
    __table_args__ = (UniqueConstraint("item_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("item.id", ondelete="CASCADE"),
        index=True,
    )
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class LegalHold(Base):
    """A legal hold on an item, a thread or a contact: nothing under it is deleted until lifted."""

    __tablename__ = "legal_hold"
    __table_args__ = (Index("ix_legal_hold_subject", "subject_type", "subject_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))  # item, thread or contact
    subject_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class Tombstone(Base):
    """An item whose content was erased (retention or erasure): its id, dates and audit stay."""

    __tablename__ = "tombstone"

    item_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("item.id", ondelete="CASCADE"),
        primary_key=True,
    )
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
    why: Mapped[str] = mapped_column(Text)  # "retention: status spam after 30 days", "erasure: …"


class WelfarePreference(Base):
    """One person's choice to see flagged (distressing) items without the blur."""

    __tablename__ = "welfare_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    always_reveal: Mapped[bool] = mapped_column(Boolean, default=False)
