"""A member of the public's rights: everything held about them (subject access), and erasure.

One person may write on several platforms: their contacts are linked by the person
key (services.channels.ingest sets it from the handle; the same e-mail address or handle on
two channels is one person), and an officer may add contacts the key does not link.
`export_person` is an evidence bundle of every item from those contacts, with the
contacts' details and the internal notes elsewhere that name them. `forget_person`
erases their items (services.records.erasure) except those under a legal hold, and
their contacts' names once nothing of theirs is left.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.errors import InvalidInput
from services.records import erasure, holds
from services.records.audit_actions import AuditAction
from services.records.evidence import (
    Bundle,
    PdfRenderer,
    Scope,
    export_evidence,
    person_contacts,
)
from services.store.db import SessionFactory
from services.store.models import Channel, Contact, Item, Note
from services.workspace.actor import Actor, Permission
from services.workspace.unit_of_work import write_transaction

_SHORTEST_NAME = 4  # a shorter name or handle matches too many notes to mean this person


def _contacts(session: Session, contact_id: int, also: Sequence[int]) -> list[int]:
    ids = set(person_contacts(session, contact_id))
    for other in also:
        ids.update(person_contacts(session, other))
    return sorted(ids)


def _person_file(session: Session, contact_ids: list[int]) -> bytes:
    rows = session.execute(
        select(Contact, Channel.name)
        .join(Channel, Channel.id == Contact.channel_id)
        .where(Contact.id.in_(contact_ids))
        .order_by(Contact.id)
    ).all()
    people = [
        {
            "contact_id": c.id,
            "channel": channel,
            "platform_id": c.external_id,
            "display_name": c.display_name,
            "handle": c.handle,
            "profile_url": c.profile_url,
            "first_seen_at": c.first_seen_at.isoformat(),
            "items": session.scalar(
                select(func.count()).select_from(Item).where(Item.contact_id == c.id)
            ),
        }
        for c, channel in rows
    ]
    return json.dumps(people, indent=2, ensure_ascii=False).encode()


def _notes_naming(session: Session, contact_ids: list[int]) -> bytes:
    """Internal notes on other people's items that name this person."""
    names: set[str] = set()
    for c in session.scalars(select(Contact).where(Contact.id.in_(contact_ids))):
        names.update(n for n in (c.display_name, c.handle) if n and len(n) >= _SHORTEST_NAME)
    if not names:
        return b""
    own = select(Item.id).where(Item.contact_id.in_(contact_ids))
    notes = session.scalars(
        select(Note)
        .where(
            Note.item_id.not_in(own),
            or_(*(func.lower(Note.body).contains(n.lower()) for n in sorted(names))),
        )
        .order_by(Note.id)
    )
    return "".join(
        f"note {n.id} on item {n.item_id}, {n.created_at.isoformat()}:\n{n.body}\n\n" for n in notes
    ).encode()


def export_person(
    factory: SessionFactory,
    actor: Actor,
    contact_id: int,
    out: Path,
    reason: str,
    tz: ZoneInfo,
    also: Sequence[int] = (),
    render_pdf: PdfRenderer | None = None,
) -> Bundle:
    """A subject access bundle: every item from the person's contacts, and what names them."""
    if not reason.strip():
        raise InvalidInput("a subject access export needs a reason (--reason): it is recorded")
    with factory() as s:
        contacts = _contacts(s, contact_id, also)
        item_ids = list(
            s.scalars(select(Item.id).where(Item.contact_id.in_(contacts)).order_by(Item.id))
        )
        extra = {
            "person.json": (_person_file(s, contacts), "the person's contacts, as held"),
            "notes-naming-them.txt": (
                _notes_naming(s, contacts),
                "internal notes on other items that name them",
            ),
        }
    scope = Scope("person", contact_id)
    if also:
        # The officer linked more contacts by hand: export those too, as one person.
        extra["linked-contacts.json"] = (json.dumps(contacts).encode(), "contacts linked by hand")
    bundle = export_evidence(
        factory, actor, scope, out, f"subject access: {reason}", tz, render_pdf, extra, item_ids
    )
    with write_transaction(factory, actor) as tx:
        tx.audit(
            AuditAction.PERSON_EXPORT,
            "contact",
            contact_id,
            None,
            {"bundle": bundle.id, "contacts": contacts, "reason": reason},
        )
    return bundle


@dataclass(frozen=True)
class Forgotten:
    contacts: tuple[int, ...]
    erased: int
    held: tuple[int, ...]
    anonymised: tuple[int, ...]


def forget_person(
    factory: SessionFactory,
    actor: Actor,
    contact_id: int,
    reason: str,
    also: Sequence[int] = (),
) -> Forgotten:
    """Erase everything from this person except what a legal hold covers (listed, kept)."""
    actor.require(Permission.MANAGE)
    if not reason.strip():
        raise InvalidInput("an erasure needs a reason (--reason): it is recorded")
    with write_transaction(factory, actor) as tx:
        contacts = _contacts(tx.session, contact_id, also)
        items = list(
            tx.session.scalars(select(Item).where(Item.contact_id.in_(contacts)).order_by(Item.id))
        )
        held = holds.held_items(tx.session, [i.id for i in items])
        why = f"erasure: {reason.strip()}"
        erased = 0
        for item in items:
            if item.id not in held:
                erasure.erase_item(tx, item, why)
                erased += 1
        anonymised = tuple(c for c in contacts if erasure.anonymise_contact_if_all_erased(tx, c))
        tx.audit(
            AuditAction.PERSON_FORGET,
            "contact",
            contact_id,
            None,
            {"contacts": contacts, "erased": erased, "held": sorted(held), "reason": reason},
        )
    return Forgotten(tuple(contacts), erased, tuple(sorted(held)), anonymised)
