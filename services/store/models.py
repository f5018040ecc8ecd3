"""The domain model: every table Front Counter stores, as typed SQLAlchemy rows.

Names follow DESIGN.md's domain words. Timestamps are timezone-aware UTC.
Mutable rows carry a version column: a stale write raises instead of
silently overwriting someone else's change.
"""

from __future__ import annotations

import enum
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
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.store.states import ChannelState, ModerationState

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
        Index("ix_item_received", "received_at", "id"),
        Index("ix_item_assignee", "assignee_id", "received_at"),
        Index("ix_item_channel", "channel_id", "received_at"),
        Index("ix_item_contact", "contact_id", "created_at"),
        Index("ix_item_thread", "thread_id", "created_at"),
        # The weekly report selects a week by the public's time.
        Index("ix_item_posted", "created_at", "id"),
        Index("ix_item_risk", "risk_level", "received_at", "id"),
        # Partial indexes (migration 0012): the Inbox in date order, and the unanswered count.
        Index(
            "ix_item_waiting",
            "received_at",
            "id",
            "channel_id",
            "status",
            "snoozed_until",
            sqlite_where=text(f"+{_WAITING}"),
            postgresql_where=text(_WAITING),
        ),
        Index(
            "ix_item_unanswered",
            "direction",
            "needs_reply",
            "kind",
            "status",
            sqlite_where=text(_UNANSWERED),
            postgresql_where=text(_UNANSWERED),
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


class ReadMark(Base):
    """One person has opened one item: read state is per person, the team status is not."""

    __tablename__ = "read_mark"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("item.id", ondelete="CASCADE"),
        primary_key=True,
    )
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedSearch(Base):
    """A person's named search, listed in their sidebar (and by `search list`)."""

    __tablename__ = "saved_search"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text)
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
