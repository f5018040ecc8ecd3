"""Replies as the composer writes them: drafts that autosave, submitted for review or sent.

The review workflow and the outbox build on these rows: a reply moves
draft → in_review → approved → sending → sent (or returned / failed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.answers import review_policy
from services.channels.protocol import Registry
from services.errors import InvalidInput, NotFound
from services.inbox.item_versions import load_items
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import (
    Channel,
    Contact,
    Direction,
    Item,
    Reply,
    ReplyState,
    SavedReply,
    User,
)
from services.workspace import site_config
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind, Changes
from services.workspace.unit_of_work import write_transaction


@dataclass(frozen=True)
class Capability:
    """Can an item be answered from here, and if not, why (a sentence for the user).

    `publishes` is False where a reply may be drafted and reviewed but never
    reaches the public: the demo workspace's channels.
    """

    can_reply: bool
    reason: str | None = None
    publishes: bool = True


def channel_capability(kind: str, demo: bool = False, *, registry: Registry) -> Capability:
    """What a channel of this kind can do with a reply: the one home of that rule."""
    name = registry.display_name(kind)
    if kind not in registry:
        return Capability(
            False,
            f"Front Counter cannot send to {name} yet (no connector): "
            f"answer on {name} itself" + (" — this channel is demo data" if demo else ""),
            publishes=False,
        )
    if not registry.can_reply(kind):
        return Capability(
            False, "feed entries are read-only: there is nobody to reply to", publishes=False
        )
    if demo:
        return Capability(
            True,
            "demo data: a reply here goes through review but is never published",
            publishes=False,
        )
    return Capability(True)


def reply_capability(session: Session, item_id: int, *, registry: Registry) -> Capability:
    """Can this item be replied to, and if not why; the composer, CLI, review and outbox ask it."""
    row = session.execute(
        select(Item.direction, Channel.kind, Channel.config)
        .join(Channel, Channel.id == Item.channel_id)
        .where(Item.id == item_id)
    ).first()
    if row is None:
        raise NotFound(f"no item #{item_id}")
    direction, kind, config = row
    if direction == Direction.OUTBOUND:
        return Capability(
            False, "this is one of our own messages: reply to the one it answers", publishes=False
        )
    return channel_capability(kind, bool((config or {}).get("demo")), registry=registry)


def capability(factory: SessionFactory, item_id: int, *, registry: Registry) -> Capability:
    with factory() as s:
        return reply_capability(s, item_id, registry=registry)


@dataclass(frozen=True)
class DraftState:
    reply_id: int
    version: int
    state: str


def _editable_reply(tx_session: Session, actor: Actor, item_id: int) -> Reply | None:
    """The author's reply still in their hands on this item (a draft, or one sent back)."""
    return tx_session.scalars(
        select(Reply)
        .where(
            Reply.item_id == item_id,
            Reply.author_id == actor.id,
            Reply.state.in_((ReplyState.DRAFT, ReplyState.RETURNED)),
        )
        .order_by(Reply.id.desc())
        .limit(1)
    ).first()


def save_draft(
    factory: SessionFactory,
    actor: Actor,
    item_id: int,
    body: str,
    reply_id: int | None = None,
    *,
    registry: Registry,
) -> DraftState:
    """Create or update the author's draft on an item (autosave); nothing is sent.

    Without `reply_id` the author's draft or returned reply on the item is
    edited, so that re-drafting after a return fixes the reply that goes back
    to review instead of leaving it unfixed beside a new one.
    """
    actor.require(Permission.TRIAGE)
    with write_transaction(factory, actor) as tx:
        item = load_items(tx, [item_id], None)[0]
        can = reply_capability(tx.session, item.id, registry=registry)
        if not can.can_reply:
            raise InvalidInput(f"no reply on item #{item.id}: {can.reason}")
        reply = None
        if reply_id is not None:
            reply = tx.session.get(Reply, reply_id)
            if reply is None or reply.author_id != actor.id or reply.item_id != item.id:
                raise NotFound(f"no draft #{reply_id} of yours on item #{item.id}")
            if reply.state not in (ReplyState.DRAFT, ReplyState.RETURNED):
                raise InvalidInput(
                    f"reply #{reply_id} is {reply.state.value} and can no longer be edited"
                )
        else:
            reply = _editable_reply(tx.session, actor, item.id)
        if reply is None:
            reply = Reply(
                item_id=item.id, author_id=actor.id, body=body, created_at=tx.now, updated_at=tx.now
            )
            tx.session.add(reply)
            tx.session.flush()
            tx.audit(AuditAction.REPLY_DRAFT, "item", item.id, None, {"reply_id": reply.id})
        else:
            reply.body = body
            reply.updated_at = tx.now
        tx.touched(ChangeKind.REPLIES, item.id)
        tx.session.flush()
        return DraftState(reply.id, reply.version, reply.state.value)


@dataclass(frozen=True)
class Submitted:
    """What submitting actually did: the reply's new state and why, as the policy decided."""

    reply_id: int
    state: str
    why: str
    changes: Changes

    @property
    def summary(self) -> str:
        if self.state == ReplyState.IN_REVIEW.value:
            return f"held for review: {self.why}"
        return f"approved: {self.why}"


def submit(
    factory: SessionFactory, actor: Actor, reply_id: int, *, registry: Registry
) -> Submitted:
    """To review, or straight to the outbox where the review policy allows it."""
    actor.require(Permission.TRIAGE)
    with write_transaction(factory, actor) as tx:
        reply = tx.session.get(Reply, reply_id)
        if reply is None or reply.author_id != actor.id:
            raise NotFound(f"no draft #{reply_id} of yours")
        if reply.state not in (ReplyState.DRAFT, ReplyState.RETURNED):
            raise InvalidInput(f"reply #{reply_id} is already {reply.state.value}")
        if not reply.body.strip():
            raise InvalidInput("the reply is empty")
        item = tx.session.get_one(Item, reply.item_id)
        can = reply_capability(tx.session, item.id, registry=registry)
        if not can.can_reply:
            raise InvalidInput(f"reply #{reply_id} cannot be sent: {can.reason}")
        kind, cursor = tx.session.execute(
            select(Channel.kind, Channel.cursor).where(Channel.id == item.channel_id)
        ).one()
        too_long = registry.reply_problem(kind or "", reply.body, item.raw, cursor)
        if too_long:
            raise InvalidInput(too_long)
        before = reply.state.value
        policy = review_policy.load(tx.session)
        held_because = review_policy.item_review_reason(tx.session, policy, actor.role, item.id)
        reply.state = ReplyState.IN_REVIEW if held_because else ReplyState.APPROVED
        reply.submitted_at = tx.now
        reply.updated_at = tx.now
        tx.audit(
            AuditAction.REPLY_SUBMIT,
            "item",
            item.id,
            {"state": before},
            {
                "state": reply.state.value,
                "reply_id": reply.id,
                "body": reply.body,
                **({"held_because": held_because} if held_because else {}),
            },
        )
        tx.touched(ChangeKind.REPLIES, item.id)
        why = held_because or (
            can.reason if not can.publishes and can.reason else "it goes out with the next sync"
        )
        return Submitted(reply.id, reply.state.value, why, tx.changes())


@dataclass(frozen=True)
class SavedReplyView:
    id: int
    name: str
    body: str
    channel_kind: str | None


def saved_replies(
    factory: SessionFactory, channel_kind: str | None = None, every_channel: bool = False
) -> list[SavedReplyView]:
    """Templates for one channel kind (general ones plus its variants), or all of them."""
    with factory() as s:
        rows = s.scalars(select(SavedReply).order_by(SavedReply.name)).all()
    return [
        SavedReplyView(r.id, r.name, r.body, r.channel_kind)
        for r in rows
        if every_channel or r.channel_kind in (None, channel_kind)
    ]


def fill_placeholders(template: str, values: dict[str, str]) -> str:
    """{name}-style placeholders; unknown ones are left visible for the officer to fill."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def placeholder_values(factory: SessionFactory, actor: Actor, item_id: int) -> dict[str, str]:
    with factory() as s:
        found = s.execute(
            select(Contact.display_name)
            .select_from(Item)
            .outerjoin(Contact, Contact.id == Item.contact_id)
            .where(Item.id == item_id)
        ).first()
        if found is None:
            raise NotFound(f"no item #{item_id}")
        me = s.get(User, actor.id)
    author = found[0] or "(unknown)"  # as the conversation shows the author
    site = site_config.current()
    return {
        "name": (author.split() or [""])[0],
        "full_name": author,
        "officer": me.display_name if me else actor.name,
        "collar": (me.collar_number if me else None) or "",
        "reference": f"FC-{item_id}",
        # The force's own, from central configuration (services/workspace/site_config.py).
        "non_emergency": site.non_emergency_number,
        "force": site.force_name or "",
    }


def retry(factory: SessionFactory, actor: Actor, reply_id: int) -> Changes:
    """A failed reply goes back to the outbox (its author or a reviewer may ask)."""
    actor.require(Permission.TRIAGE)
    with write_transaction(factory, actor) as tx:
        reply = tx.session.get(Reply, reply_id)
        if reply is None:
            raise NotFound(f"no reply #{reply_id}")
        if reply.state != ReplyState.FAILED:
            raise InvalidInput(
                f"reply #{reply_id} is {reply.state.value}: only failed replies are retried"
            )
        if reply.author_id != actor.id and not actor.can(Permission.REVIEW):
            raise InvalidInput("only the author or a supervisor can retry this reply")
        reply.state = ReplyState.APPROVED
        reply.attempts = 0
        reply.updated_at = tx.now
        tx.audit(
            AuditAction.REPLY_RETRY,
            "item",
            reply.item_id,
            {"state": "failed", "reason": reply.failure_reason},
            {"state": "approved", "reply_id": reply_id},
        )
        tx.touched(ChangeKind.REPLIES, reply.item_id)
        return tx.changes()


def add_saved_reply(
    factory: SessionFactory,
    actor: Actor,
    name: str,
    body: str,
    channel_kind: str | None = None,
    *,
    registry: Registry,
) -> SavedReplyView:
    actor.require(Permission.MANAGE)
    name, body = name.strip(), body.strip()
    if not name or not body:
        raise InvalidInput("a saved reply needs a name and a text")
    if channel_kind is not None and channel_kind not in registry:
        raise InvalidInput(f"unknown channel kind {channel_kind!r}")
    limit = registry.character_limit(channel_kind or "")
    if limit is not None and registry.text_length(channel_kind or "", body) > limit:
        raise InvalidInput(
            f"this text is over {channel_kind}'s {limit} characters before placeholders are filled"
        )
    with write_transaction(factory, actor) as tx:
        if tx.session.scalar(select(SavedReply.id).where(SavedReply.name == name)) is not None:
            raise InvalidInput(f"a saved reply named {name!r} already exists")
        row = SavedReply(name=name, body=body, channel_kind=channel_kind)
        tx.session.add(row)
        tx.session.flush()
        tx.audit(
            AuditAction.SAVED_REPLY_CREATE,
            "saved_reply",
            row.id,
            None,
            {"name": name, "body": body},
        )
        tx.touched(ChangeKind.SAVED_REPLIES)
        return SavedReplyView(row.id, name, body, channel_kind)


def remove_saved_reply(factory: SessionFactory, actor: Actor, name: str) -> None:
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        row = tx.session.scalar(select(SavedReply).where(SavedReply.name == name))
        if row is None:
            raise NotFound(f"no saved reply named {name!r}")
        tx.audit(
            AuditAction.SAVED_REPLY_REMOVE,
            "saved_reply",
            row.id,
            {"name": name, "body": row.body},
            None,
        )
        tx.session.delete(row)
        tx.touched(ChangeKind.SAVED_REPLIES)
