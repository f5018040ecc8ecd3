"""The core domain model: users, channels, contacts, threads, items, tags, notes and replies.

Names follow DESIGN.md's domain words. Timestamps are timezone-aware UTC.
Mutable rows carry a version column: a stale write raises instead of
silently overwriting someone else's change.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.store.states import ChannelState

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        # SQLite's text in one C call: the decorator's two steps (parse, then set the zone)
        # cost 1.5 µs a value, a second of the weekly report's 600,000 timestamps.
        if dialect.name == "sqlite":
            return _sqlite_utc
        if dialect.name == "postgresql":
            return _postgresql_utc  # the session's zone is UTC (services/store/db.py)
        return super().result_processor(dialect, coltype)


def _sqlite_utc(value: str | None) -> datetime | None:
    """SQLite's stored text (naive UTC, as bound above) as an aware UTC datetime."""
    return None if value is None else _from_iso(value + "+00:00")


def _postgresql_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_from_iso = datetime.fromisoformat


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Role(enum.StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Status(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    DONE = "done"
    SPAM = "spam"


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class ItemKind(enum.StrEnum):
    COMMENT = "comment"
    REPLY = "reply"
    MENTION = "mention"
    DIRECT_MESSAGE = "direct_message"
    EMAIL = "email"
    FEED_ENTRY = "feed_entry"
    PINGBACK = "pingback"
    TRACKBACK = "trackback"


class ReplyState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


def _enum(cls: type[enum.StrEnum]) -> Enum:
    # Stored as plain strings (no native PG enum): adding a value needs no type migration.
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    collar_number: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Channel(Base):
    __tablename__ = "channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Connection settings only (URLs, login names); secrets live in the OS keyring.
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    poll_seconds: Mapped[int] = mapped_column(Integer, default=300)
    state: Mapped[str] = mapped_column(String(20), default=ChannelState.OK)
    state_reason: Mapped[str | None] = mapped_column(Text)
    last_success_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime | None]
    cursor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Contact(Base):
    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(300))
    handle: Mapped[str | None] = mapped_column(String(300))
    display_name: Mapped[str] = mapped_column(String(300))
    profile_url: Mapped[str | None] = mapped_column(Text)
    # Same person on several platforms: contacts sharing a person_key form one history.
    person_key: Mapped[str | None] = mapped_column(String(300), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Thread(Base):
    __tablename__ = "thread"
    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)


_WAITING = "status IN ('new', 'open', 'snoozed')"
_UNANSWERED = "first_response_at IS NULL AND status != 'done'"


class Item(Base):
    __tablename__ = "item"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_item_inbox", "status", "received_at", "id"),
        # The contact beside the date: a search by author walks this index alone (0019).
        Index("ix_item_received", "received_at", "id", "contact_id"),
        Index("ix_item_assignee", "assignee_id", "received_at"),
        Index("ix_item_channel", "channel_id", "received_at"),
        Index("ix_item_contact", "contact_id", "created_at"),
        Index("ix_item_thread", "thread_id", "created_at"),
        # The weekly report selects a week by the public's time.
        Index("ix_item_posted", "created_at", "id"),
        Index("ix_item_risk", "risk_level", "received_at", "id"),
        # Partial indexes: the Inbox in date order, and the unanswered count. Migration 0012
        # creates them with their WHERE (`info` says which); `postgresql_where` here would load
        # SQLAlchemy's PostgreSQL dialect at every start, 33 ms on SQLite for nothing.
        Index(
            "ix_item_waiting",
            "received_at",
            "id",
            "channel_id",
            "status",
            "snoozed_until",
            info={"where": _WAITING},
        ),
        Index(
            "ix_item_unanswered",
            "direction",
            "needs_reply",
            "kind",
            "status",
            info={"where": _UNANSWERED},
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(500))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("thread.id", ondelete="SET NULL"))
    parent_external_id: Mapped[str | None] = mapped_column(String(500))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    direction: Mapped[Direction] = mapped_column(_enum(Direction), default=Direction.INBOUND)
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind))
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    permalink: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # True where the platform gave no time: created_at is then the fetch time (said in the pane).
    posted_at_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    source_updated_at: Mapped[datetime | None]
    source_state: Mapped[str] = mapped_column(String(20), default="published")
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.NEW)
    snoozed_until: Mapped[datetime | None]
    priority: Mapped[int] = mapped_column(Integer, default=0)
    needs_reply: Mapped[bool] = mapped_column(Boolean, default=True)
    sentiment: Mapped[str | None] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Kept by services/desk/response.py only: the first sent reply that answers this item, and its author.
    first_response_at: Mapped[datetime | None]
    first_responder_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None]
    # Risk triage (services/desk/risk_store.py): risk_level is what views filter on, the
    # classifier's finding unless a person's override (urgent, watch or none) says otherwise;
    # re-classification rewrites the reasons, never the override.
    risk_level: Mapped[str | None] = mapped_column(String(10))
    risk_reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    risk_rules_version: Mapped[str | None] = mapped_column(String(64))
    risk_assessed_at: Mapped[datetime | None]
    risk_override: Mapped[str | None] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    tags: Mapped[list[Tag]] = relationship(secondary="item_tag", lazy="raise")


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    color: Mapped[str | None] = mapped_column(String(16))


class ItemTag(Base):
    __tablename__ = "item_tag"
    __table_args__ = (Index("ix_item_tag_tag", "tag_id", "item_id"),)

    item_id: Mapped[int] = mapped_column(
        ForeignKey("item.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)


class Note(Base):
    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reply(Base):
    __tablename__ = "reply"
    __table_args__ = (Index("ix_reply_state", "state", "id"), Index("ix_reply_sent", "sent_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[ReplyState] = mapped_column(_enum(ReplyState), default=ReplyState.DRAFT)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    external_id: Mapped[str | None] = mapped_column(String(500))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class SavedReply(Base):
    __tablename__ = "saved_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    body: Mapped[str] = mapped_column(Text)
    channel_kind: Mapped[str | None] = mapped_column(String(20))
