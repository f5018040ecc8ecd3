"""E-mail attachments: one row per attachment of an item, its bytes in a file named by their hash.

The bytes never go into the database: they are written once per distinct content
to a folder beside the SQLite file (or the folder configured for PostgreSQL) by
services/records/attachments.py, and read back only when a person asks for one. A row
whose `sha256` is None lists an attachment that was not kept; `note` says why
(too large, no folder), so the list still tells the officer it existed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models import Base, utcnow


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("item_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("item.id", ondelete="CASCADE"),
        index=True,
    )
    position: Mapped[int]
    """1, 2, … in the message's order: what `item attachment ITEM N` names."""
    name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    """The kept bytes' hash, which is also their file name; None: not kept."""
    note: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
