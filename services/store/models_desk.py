"""The desk's tables (services/desk/): escalations and teams, risk rules and changes, force references."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models import Base, utcnow


class Escalation(Base):
    __tablename__ = "escalation"
    __table_args__ = (
        Index("ix_escalation_open", "resolved_at", "item_id"),
        Index("ix_escalation_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    to_team: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolution: Mapped[str | None] = mapped_column(Text)


class Team(Base):
    """A named team an item can be escalated to (workspace data, kept by admins)."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskRuleSet(Base):
    """One revision of the workspace's risk rules; the highest id is in force (none: the defaults)."""

    __tablename__ = "risk_rule_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)  # RuleSet.dumps(): its sha256 is the rules version
    digest: Mapped[str] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class RiskChange(Base):
    """An item's risk level moved: by the classifier (by_id None) or by a person, with a reason."""

    __tablename__ = "risk_change"
    __table_args__ = (
        Index("ix_risk_change_at", "at"),
        Index("ix_risk_change_item", "item_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("item.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    level_before: Mapped[str | None] = mapped_column(String(10))
    level_after: Mapped[str | None] = mapped_column(String(10))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    rules_version: Mapped[str | None] = mapped_column(String(64))


class Reference(Base):
    """An item, a thread or a contact linked to a force reference: incident/CAD log, crime, intelligence.

    Never deleted: removing one stamps removed_at/removed_by_id/remove_reason, so the report
    of a past week still counts what was linked then.
    """

    __tablename__ = "reference"
    __table_args__ = (
        Index("ix_reference_subject", "subject_type", "subject_id", "removed_at"),
        Index("ix_reference_value", "value_key", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # incident, crime or intelligence
    value: Mapped[str] = mapped_column(String(64))  # as the person typed it (trimmed)
    value_key: Mapped[str] = mapped_column(String(64))  # upper case: what `ref:` compares
    subject_type: Mapped[str] = mapped_column(String(16))  # item, thread or contact
    subject_id: Mapped[int] = mapped_column(BigInteger)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    remove_reason: Mapped[str | None] = mapped_column(Text)
