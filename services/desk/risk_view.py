"""What an item's risk flag tells the person opening it: why, who changed it, and what to do.

The force's guidance (a workspace setting: "call 999 if you are in danger",
the non-emergency number, opening hours) and a matching saved reply are
offered on urgent items. The saved reply is the one the setting names, else
the first whose name starts with "urgent" (for the item's channel kind, or
for every channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from services.desk import automatic_replies
from services.desk.risk_levels import URGENT, Reason, auto_level, reasons_from_json
from services.errors import InvalidInput, NotFound
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
    Status,
    User,
)
from services.store.models_audit import Setting
from services.store.models_desk import Escalation, RiskChange
from services.workspace import settings as workspace_settings
from services.workspace import site_config
from services.workspace.actor import Actor, Permission
from services.workspace.unit_of_work import write_transaction

GUIDANCE_KEY = workspace_settings.RISK_GUIDANCE.key
DEFAULT_GUIDANCE = (
    "If you or someone else is in danger now, call 999. "
    "To report something that is not an emergency, call 101 or report online. "
    "This page is monitored Monday to Friday, 8am to 6pm; messages sent at other times "
    "are read the next working day."
)
MAX_GUIDANCE_CHARS = 2_000


def default_guidance() -> str:
    """The guidance until an admin sets one: with the force's non-emergency number and name."""
    site = site_config.current()
    text = DEFAULT_GUIDANCE.replace("call 101", f"call {site.non_emergency_number}")
    if site.force_name:
        text = text.replace("or report online.", f"or report online to {site.force_name}.")
    return text


@dataclass(frozen=True)
class Guidance:
    text: str
    saved_reply: str | None  # the saved reply offered on urgent items; None: the first "urgent…"


@dataclass(frozen=True)
class SuggestedReply:
    name: str
    body: str


@dataclass(frozen=True)
class RiskOverrideView:
    level: str  # urgent, watch or none
    by: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class RiskView:
    level: str | None  # what the item shows: urgent, watch or None
    found: str | None  # what the rules found (differs from level under an override)
    reasons: tuple[Reason, ...] = ()
    override: RiskOverrideView | None = None
    assessed_at: datetime | None = None
    rules_version: str | None = None
    guidance: str | None = None  # on urgent items only
    suggested_reply: SuggestedReply | None = None  # on urgent items only


NO_RISK = RiskView(None, None)


@dataclass(frozen=True)
class UrgentAlert:
    """An urgent item nobody has taken yet: what the desktop's alert names."""

    item_id: int
    channel_name: str
    author: str
    reasons: tuple[Reason, ...]
    received_at: datetime


MAX_ALERTS = 200


def untaken_urgent(factory: SessionFactory, limit: int = MAX_ALERTS) -> list[UrgentAlert]:
    """Urgent inbound items nobody has taken yet, oldest first.

    Taken means a person acted on it: it is assigned, escalated (even if since resolved),
    has a reply past draft written by a person or a first response on the platform, or left
    new/open (pending, snoozed, done or spam: the last three need a recorded reason on an
    urgent item). The automatic out-of-hours acknowledgement is no person's reply: an item
    it acknowledged and the rules flag urgent later still rings.
    A draft alone does not count: it may be abandoned, and nobody else can see it.
    An item lowered from urgent is no longer here either.
    """
    replied = exists().where(
        Reply.item_id == Item.id, Reply.state != ReplyState.DRAFT, automatic_replies.by_a_person()
    )
    escalated = exists().where(Escalation.item_id == Item.id)
    stmt = (
        select(
            Item.id,
            Channel.name,
            Contact.display_name,
            Contact.handle,
            Item.risk_reasons,
            Item.received_at,
        )
        .join(Channel, Channel.id == Item.channel_id)
        .outerjoin(Contact, Contact.id == Item.contact_id)
        .where(
            Item.risk_level == URGENT,
            Item.direction == Direction.INBOUND,
            Item.status.in_((Status.NEW, Status.OPEN)),
            Item.assignee_id.is_(None),
            Item.first_response_at.is_(None),
            ~replied,
            ~escalated,
        )
        .order_by(Item.received_at, Item.id)
        .limit(limit)
    )
    with factory() as s:
        return [
            UrgentAlert(r[0], r[1], r[2] or r[3] or "(unknown)", reasons_from_json(r[4]), r[5])
            for r in s.execute(stmt)
        ]


def load_guidance(session: Session) -> Guidance:
    row = session.get(Setting, GUIDANCE_KEY)
    value: dict[str, Any] = dict(row.value) if row else {}
    text = value.get("text")
    name = value.get("saved_reply")
    return Guidance(
        text if isinstance(text, str) and text.strip() else default_guidance(),
        name if isinstance(name, str) and name else None,
    )


def guidance(factory: SessionFactory) -> Guidance:
    with factory() as s:
        return load_guidance(s)


def set_guidance(
    factory: SessionFactory,
    actor: Actor,
    text: str | None = None,
    saved_reply: str | None = None,
) -> Guidance:
    """Change the guidance text and/or the saved reply it names ("" for none); admins only."""
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        current = load_guidance(tx.session)
        new_text = current.text if text is None else " ".join(text.split())
        if not new_text or len(new_text) > MAX_GUIDANCE_CHARS:
            raise InvalidInput(f"the guidance is 1–{MAX_GUIDANCE_CHARS:,} characters")
        name = current.saved_reply if saved_reply is None else (saved_reply.strip() or None)
        if (
            name is not None
            and tx.session.scalar(select(SavedReply.id).where(SavedReply.name == name)) is None
        ):
            raise NotFound(f"no saved reply named {name!r} (see `saved-reply list`)")
        workspace_settings.put(
            tx,
            GUIDANCE_KEY,
            {"text": new_text, "saved_reply": name},
            AuditAction.SETTING_RISK_GUIDANCE,
        )
        return Guidance(new_text, name)


def suggested_reply(session: Session, chosen: Guidance, channel_kind: str) -> SuggestedReply | None:
    fits = or_(SavedReply.channel_kind.is_(None), SavedReply.channel_kind == channel_kind)
    if chosen.saved_reply is not None:
        row = session.scalar(select(SavedReply).where(SavedReply.name == chosen.saved_reply))
    else:
        row = session.scalar(
            select(SavedReply)
            .where(func.lower(SavedReply.name).like("urgent%"), fits)
            # The channel's own reply before a general one.
            .order_by(SavedReply.channel_kind.is_(None), SavedReply.name)
            .limit(1)
        )
    return SuggestedReply(row.name, row.body) if row is not None else None


def view(session: Session, item: Item, channel_kind: str) -> RiskView:
    """The item's flag explained; guidance and a saved reply when it is urgent."""
    if item.risk_level is None and not item.risk_reasons and item.risk_override is None:
        return NO_RISK
    override: RiskOverrideView | None = None
    if item.risk_override is not None:
        last = session.execute(
            select(RiskChange, User.display_name)
            .join(User, User.id == RiskChange.by_id)
            .where(RiskChange.item_id == item.id)
            .order_by(RiskChange.id.desc())
            .limit(1)
        ).first()
        if last is not None:
            change, name = last
            override = RiskOverrideView(item.risk_override, name, change.at, change.reason)
    urgent = item.risk_level == URGENT
    chosen = load_guidance(session) if urgent else None
    return RiskView(
        level=item.risk_level,
        found=auto_level(item.risk_reasons),
        reasons=reasons_from_json(item.risk_reasons),
        override=override,
        assessed_at=item.risk_assessed_at,
        rules_version=item.risk_rules_version,
        guidance=chosen.text if chosen else None,
        suggested_reply=suggested_reply(session, chosen, channel_kind) if chosen else None,
    )


def describe(risk: RiskView) -> list[str]:
    """The flag in words, for `item show` and anyone else printing it."""
    if risk.level is None and risk.override is None and not risk.reasons:
        return []
    lines = [f"Risk:   {risk.level or 'none'}" + (" (set by hand)" if risk.override else "")]
    if risk.override is not None:
        why = f": {risk.override.reason}" if risk.override.reason else ""
        lines.append(
            f"        {risk.override.by} set {risk.override.level} "
            f"on {risk.override.at:%d %b %Y %H:%M} UTC{why}"
        )
        if risk.found != risk.level:
            lines.append(f"        the rules find: {risk.found or 'nothing'}")
    for r in risk.reasons:
        said = ", ".join(f'"{m}"' for m in r.matched)
        lines.append(f"        {r.level.value:<6} {r.rule_id} [{r.category}]: {said}")
        lines.append(f"               {r.explanation}")
    if risk.guidance:
        lines.append(f"Guidance: {risk.guidance}")
    if risk.suggested_reply:
        lines.append(f"Saved reply to offer: {risk.suggested_reply.name}")
    return lines
