"""SLA notices: a warning before a timer breaches and a notice when it does, once each (issue 11.4).

A notice is recorded once per item, timer, kind and round (the timer's start: an update timer
starts again each time the public writes after our reply); its recipients are the item's
assignee and the supervisors at that moment, one row each.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models import Base, utcnow


class SlaNotice(Base):
    __tablename__ = "sla_notice"
    __table_args__ = (
        UniqueConstraint("item_id", "timer", "kind", "started_at"),
        Index("ix_sla_notice_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    timer: Mapped[str] = mapped_column(String(20))  # first_response, update, resolution
    kind: Mapped[str] = mapped_column(String(10))  # warning, breach
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation.id", ondelete="SET NULL")
    )


class SlaNoticeRecipient(Base):
    __tablename__ = "sla_notice_recipient"
    __table_args__ = (Index("ix_sla_notice_recipient_user", "user_id", "notice_id"),)

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("sla_notice.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
