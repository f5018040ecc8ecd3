"""One item in its context: its thread, the contact's history, our replies, notes, escalations, audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from services.answers.replies import Capability, reply_capability
from services.channels.protocol import Registry
from services.desk import references as force_references
from services.desk import risk_view
from services.desk.references import ReferenceView
from services.desk.risk_view import NO_RISK, RiskView
from services.errors import NotFound
from services.records.audit import AuditEntry, item_trail
from services.store.db import SessionFactory
from services.store.models import Channel, Contact, Item, ItemTag, Note, Reply, Tag, Thread, User
from services.store.models_channels import ModerationRequest
from services.store.models_desk import Escalation

HISTORY_LIMIT = 20
THREAD_LIMIT = 200


@dataclass(frozen=True)
class MessageView:
    id: int
    direction: str
    kind: str
    author: str
    author_handle: str | None
    created_at: datetime
    body_html: str
    body_text: str
    permalink: str | None
    channel_name: str
    source_state: str
    # The platform gave no time: created_at is when we fetched it.
    time_estimated: bool = False


@dataclass(frozen=True)
class NoteView:
    author: str
    created_at: datetime
    body: str


@dataclass(frozen=True)
class EscalationView:
    id: int
    raised_by: str
    to: str
    reason: str
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None


@dataclass(frozen=True)
class ReplyView:
    id: int
    author: str
    author_id: int
    body: str
    state: str
    review_reason: str | None
    created_at: datetime
    updated_at: datetime
    failure_reason: str | None
    version: int


@dataclass(frozen=True)
class ModerationView:
    action: str
    state: str
    reason: str | None
    requested_at: datetime


@dataclass(frozen=True)
class Conversation:
    item: MessageView
    version: int
    status: str
    snoozed_until: datetime | None
    assignee: str | None
    tags: tuple[str, ...]
    needs_reply: bool
    channel_kind: str
    channel_id: int
    thread_title: str | None
    thread_url: str | None
    thread_body: str | None
    thread: tuple[MessageView, ...]
    contact_profile_url: str | None
    history: tuple[MessageView, ...]
    notes: tuple[NoteView, ...]
    escalations: tuple[EscalationView, ...]
    replies: tuple[ReplyView, ...]
    trail: tuple[AuditEntry, ...]
    raw: dict[str, Any] | None
    moderation: tuple[ModerationView, ...] = ()
    reply_capability: Capability = field(default_factory=lambda: Capability(True))
    # The risk flag explained; on urgent items the force's guidance and a saved reply to offer.
    risk: RiskView = NO_RISK
    # Force references (incident, crime, intelligence) on the item, its thread or its contact.
    references: tuple[ReferenceView, ...] = ()


def _message(item: Item, contact: Contact | None, channel: str) -> MessageView:
    return MessageView(
        id=item.id,
        direction=item.direction.value,
        kind=item.kind.value,
        author=(contact.display_name if contact else None) or "(unknown)",
        author_handle=contact.handle if contact else None,
        created_at=item.created_at,
        body_html=item.body_html or "",
        body_text=item.body_text,
        permalink=item.permalink,
        channel_name=channel,
        source_state=item.source_state,
        time_estimated=item.posted_at_estimated,
    )


def load(factory: SessionFactory, item_id: int, *, registry: Registry) -> Conversation:
    with factory() as s:
        row = s.execute(
            select(Item, Contact, Channel)
            .outerjoin(Contact, Contact.id == Item.contact_id)
            .join(Channel, Channel.id == Item.channel_id)
            .where(Item.id == item_id)
        ).first()
        if row is None:
            raise NotFound(f"no item #{item_id}")
        item, contact, channel = row
        thread = s.get(Thread, item.thread_id) if item.thread_id else None
        thread_msgs: list[MessageView] = []
        if thread is not None:
            for other, c in s.execute(
                select(Item, Contact)
                .outerjoin(Contact, Contact.id == Item.contact_id)
                .where(Item.thread_id == thread.id)
                .order_by(Item.created_at, Item.id)
                .limit(THREAD_LIMIT)
            ):
                thread_msgs.append(_message(other, c, channel.name))
        history: list[MessageView] = []
        if contact is not None:
            same_person = select(Contact.id).where(
                (Contact.id == contact.id)
                | ((Contact.person_key == contact.person_key) & Contact.person_key.is_not(None))
            )
            for other, c, ch_name in s.execute(
                select(Item, Contact, Channel.name)
                .join(Contact, Contact.id == Item.contact_id)
                .join(Channel, Channel.id == Item.channel_id)
                .where(Item.contact_id.in_(same_person), Item.id != item.id)
                .order_by(Item.created_at.desc())
                .limit(HISTORY_LIMIT)
            ):
                history.append(_message(other, c, ch_name))
        assignee = (
            s.scalar(select(User.name).where(User.id == item.assignee_id))
            if item.assignee_id
            else None
        )
        tags = tuple(
            s.scalars(
                select(Tag.name)
                .join(ItemTag, ItemTag.tag_id == Tag.id)
                .where(ItemTag.item_id == item.id)
                .order_by(Tag.name)
            )
        )
        notes = tuple(
            NoteView(name, n.created_at, n.body)
            for n, name in s.execute(
                select(Note, User.display_name)
                .join(User, User.id == Note.author_id)
                .where(Note.item_id == item.id)
                .order_by(Note.created_at)
            )
        )
        raiser = aliased(User)
        target = aliased(User)
        escalations = tuple(
            EscalationView(
                e.id,
                r_name,
                t_name or e.to_team or "?",
                e.reason,
                e.created_at,
                e.resolved_at,
                e.resolution,
            )
            for e, r_name, t_name in s.execute(
                select(Escalation, raiser.display_name, target.display_name)
                .join(raiser, raiser.id == Escalation.raised_by_id)
                .outerjoin(target, target.id == Escalation.to_user_id)
                .where(Escalation.item_id == item.id)
                .order_by(Escalation.created_at)
            )
        )
        replies = tuple(
            ReplyView(
                r.id,
                name,
                r.author_id,
                r.body,
                r.state.value,
                r.review_reason,
                r.created_at,
                r.updated_at,
                r.failure_reason,
                r.version,
            )
            for r, name in s.execute(
                select(Reply, User.display_name)
                .join(User, User.id == Reply.author_id)
                .where(Reply.item_id == item.id)
                .order_by(Reply.created_at)
            )
        )
        return Conversation(
            item=_message(item, contact, channel.name),
            version=item.version,
            status=item.status.value,
            snoozed_until=item.snoozed_until,
            assignee=assignee,
            tags=tags,
            needs_reply=item.needs_reply,
            channel_kind=channel.kind,
            channel_id=channel.id,
            thread_title=thread.title if thread else None,
            thread_url=thread.url if thread else None,
            thread_body=thread.body_text if thread else None,
            thread=tuple(thread_msgs),
            contact_profile_url=contact.profile_url if contact else None,
            history=tuple(history),
            notes=notes,
            escalations=escalations,
            replies=replies,
            trail=tuple(item_trail(s, item.id)),
            raw=item.raw,
            moderation=tuple(
                ModerationView(m.action, m.state, m.reason, m.requested_at)
                for m in s.scalars(
                    select(ModerationRequest)
                    .where(ModerationRequest.item_id == item.id)
                    .order_by(ModerationRequest.id)
                )
            ),
            reply_capability=reply_capability(s, item.id, registry=registry),
            risk=risk_view.view(s, item, channel.kind),
            references=tuple(force_references.for_item(s, item)),
        )
