"""The record's spine: the hash-chained audit trail, its head, the change feed and workspace settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_subject", "subject_type", "subject_id"),
        # The report reads events of a few actions within one week.
        Index("ix_audit_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Who was at the keyboard (the OS login), beside the acting user; None on events before
    # it was recorded, which are hashed without it (services/records/audit.py event_hash).
    os_login: Mapped[str | None] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the chain's tip. Updating it first serialises every writer."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class Change(Base):
    """Cross-process change feed: desktops poll rows above the last id they saw."""

    __tablename__ = "change"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kinds: Mapped[str] = mapped_column(String(200))
    item_ids: Mapped[list[int] | None] = mapped_column(JSON)
    # The writing process's token: a desktop skips the echo of its own changes.
    origin: Mapped[str | None] = mapped_column(String(32))


class Setting(Base):
    """Workspace settings that are data, edited by admins (e.g. the review policy)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
