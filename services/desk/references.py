"""Force references: an item, a thread or a contact linked to an incident/CAD log, crime or intelligence report.

A reference on a thread or a contact applies to every item of theirs: `ref:` searches and
the weekly report's "converted to a crime report" both count those items. A reference is
never deleted: removing one needs a reason, and each add and removal is one audited
transaction on its subject.

Values: trimmed, inner runs of spaces made one, 1 to 64 characters of letters, digits,
spaces and `/ - . _ : #`, with at least one digit (so a kind typed as a value, "crime",
is refused). Compared without regard to case. A force's own formats (a pattern per kind)
are a workspace setting to come; until then any value in that shape is accepted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from services.errors import InvalidInput, NotFound
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Contact, Item, Thread, User
from services.store.models_desk import Reference
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction

KINDS = ("incident", "crime", "intelligence")
KIND_LABELS = {"incident": "incident/CAD log", "crime": "crime", "intelligence": "intelligence"}
SubjectType = Literal["item", "thread", "contact"]
SUBJECTS: tuple[SubjectType, ...] = ("item", "thread", "contact")
MAX_LENGTH = 64
_TABLES = {"item": Item, "thread": Thread, "contact": Contact}
_ALLOWED = re.compile(r"[A-Za-z0-9/\-._:# ]+")
_SPACES = re.compile(r"\s+")
# The change feed lists at most this many items; a contact with more refreshes by kind alone.
_CHANGED_ITEMS_LIMIT = 5000


@dataclass(frozen=True)
class Subject:
    type: str  # item, thread or contact
    id: int

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


@dataclass(frozen=True)
class ReferenceView:
    id: int
    kind: str
    value: str
    subject_type: str
    subject_id: int
    added_by: str | None
    added_at: datetime
    removed_at: datetime | None = None
    removed_by: str | None = None
    remove_reason: str | None = None

    @property
    def label(self) -> str:
        return f"{KIND_LABELS.get(self.kind, self.kind)} {self.value}"


def normalise_kind(kind: str) -> str:
    low = kind.strip().lower()
    if low == "cad":  # what officers call an incident log
        low = "incident"
    if low not in KINDS:
        raise InvalidInput(
            f"unknown reference kind {kind!r}: use one of {', '.join(KINDS)} (cad = incident)"
        )
    return low


def normalise_value(value: str) -> str:
    """The value as stored: trimmed, one space between words; InvalidInput says what is wrong."""
    cleaned = _SPACES.sub(" ", value).strip()
    if not cleaned:
        raise InvalidInput("a reference needs a value, e.g. WS/2026/12345")
    if len(cleaned) > MAX_LENGTH:
        raise InvalidInput(
            f"a reference is at most {MAX_LENGTH} characters; this one has {len(cleaned)}"
        )
    if not _ALLOWED.fullmatch(cleaned):
        bad = sorted({c for c in cleaned if not _ALLOWED.fullmatch(c)})
        shown = " ".join(repr(c) for c in bad)
        raise InvalidInput(
            f"a reference holds letters, digits, spaces and / - . _ : # only, not {shown}"
        )
    if not any(c.isdigit() for c in cleaned):
        raise InvalidInput(f"{cleaned!r} has no digit: is it really a reference number?")
    return cleaned


def value_key(value: str) -> str:
    """What searches compare: the normalised value in upper case."""
    return _SPACES.sub(" ", value).strip().upper()


def thread_of(factory: SessionFactory, item_id: int) -> Subject:
    """The thread an item belongs to, as a subject (`ref add --thread ITEM`)."""
    with factory() as s:
        item = s.get(Item, item_id)
        if item is None:
            raise NotFound(f"no item #{item_id}")
        if item.thread_id is None:
            raise InvalidInput(f"item #{item_id} is not in a thread: link the item itself")
        return Subject("thread", item.thread_id)


def _check_subject(session: Session, subject: Subject) -> None:
    table = _TABLES.get(subject.type)
    if table is None:
        raise InvalidInput(
            f"a reference is on an item, a thread or a contact, not {subject.type!r}"
        )
    if session.get(table, subject.id) is None:
        raise NotFound(f"no {subject}")


def _items_of(session: Session, subject: Subject) -> list[int]:
    if subject.type == "item":
        return [subject.id]
    column = Item.thread_id if subject.type == "thread" else Item.contact_id
    return list(
        session.scalars(select(Item.id).where(column == subject.id).limit(_CHANGED_ITEMS_LIMIT))
    )


def add_reference(
    factory: SessionFactory, actor: Actor, subject: Subject, kind: str, value: str
) -> ReferenceView:
    actor.require(Permission.TRIAGE)  # officers and above
    kind = normalise_kind(kind)
    value = normalise_value(value)
    key = value_key(value)
    with write_transaction(factory, actor) as tx:
        _check_subject(tx.session, subject)
        same = tx.session.scalar(
            select(Reference.id).where(
                Reference.subject_type == subject.type,
                Reference.subject_id == subject.id,
                Reference.kind == kind,
                Reference.value_key == key,
                Reference.removed_at.is_(None),
            )
        )
        if same is not None:
            raise InvalidInput(f"{subject} already has {KIND_LABELS[kind]} reference {value}")
        ref = Reference(
            kind=kind,
            value=value,
            value_key=key,
            subject_type=subject.type,
            subject_id=subject.id,
            added_by_id=actor.id,
            added_at=tx.now,
        )
        tx.session.add(ref)
        tx.session.flush()
        tx.audit(
            AuditAction.REFERENCE_ADD,
            subject.type,
            subject.id,
            None,
            {"reference_id": ref.id, "kind": kind, "value": value},
        )
        tx.touched(ChangeKind.REFERENCES, *_items_of(tx.session, subject))
        return ReferenceView(ref.id, kind, value, subject.type, subject.id, actor.name, tx.now)


def remove_reference(
    factory: SessionFactory,
    actor: Actor,
    subject: Subject,
    value: str,
    reason: str,
    kind: str | None = None,
) -> int:
    """Remove the live references of this value on the subject (of one kind if given): how many."""
    actor.require(Permission.TRIAGE)
    if not reason.strip():
        raise InvalidInput("removing a reference needs a reason (--reason)")
    wanted_kind = normalise_kind(kind) if kind is not None else None
    key = value_key(value)
    with write_transaction(factory, actor) as tx:
        _check_subject(tx.session, subject)
        query = select(Reference).where(
            Reference.subject_type == subject.type,
            Reference.subject_id == subject.id,
            Reference.value_key == key,
            Reference.removed_at.is_(None),
        )
        if wanted_kind is not None:
            query = query.where(Reference.kind == wanted_kind)
        live = tx.session.scalars(query.order_by(Reference.id)).all()
        if not live:
            raise NotFound(f"{subject} has no reference {value.strip()!r}")
        for ref in live:
            ref.removed_at = tx.now
            ref.removed_by_id = actor.id
            ref.remove_reason = reason.strip()
        # One event per removal use case, naming every reference it removed.
        tx.audit(
            AuditAction.REFERENCE_REMOVE,
            subject.type,
            subject.id,
            {"references": [{"id": r.id, "kind": r.kind, "value": r.value} for r in live]},
            {"reason": reason.strip()},
        )
        tx.touched(ChangeKind.REFERENCES, *_items_of(tx.session, subject))
        return len(live)


def _views(session: Session, condition: ColumnElement[bool]) -> list[ReferenceView]:
    adder = select(User.name).where(User.id == Reference.added_by_id).scalar_subquery()
    remover = select(User.name).where(User.id == Reference.removed_by_id).scalar_subquery()
    return [
        ReferenceView(
            r.id,
            r.kind,
            r.value,
            r.subject_type,
            r.subject_id,
            added,
            r.added_at,
            r.removed_at,
            removed,
            r.remove_reason,
        )
        for r, added, removed in session.execute(
            select(Reference, adder, remover).where(condition).order_by(Reference.id)
        )
    ]


def _covering(item: Item) -> ColumnElement[bool]:
    """References on this item, its thread or its contact."""
    parts = [and_(Reference.subject_type == "item", Reference.subject_id == item.id)]
    if item.thread_id is not None:
        parts.append(
            and_(Reference.subject_type == "thread", Reference.subject_id == item.thread_id)
        )
    if item.contact_id is not None:
        parts.append(
            and_(Reference.subject_type == "contact", Reference.subject_id == item.contact_id)
        )
    return or_(*parts)


def for_item(session: Session, item: Item, include_removed: bool = False) -> list[ReferenceView]:
    """Every reference that applies to the item: its own, its thread's and its contact's."""
    condition = _covering(item)
    if not include_removed:
        condition = and_(condition, Reference.removed_at.is_(None))
    return _views(session, condition)


def list_for_item(
    factory: SessionFactory, item_id: int, include_removed: bool = False
) -> list[ReferenceView]:
    with factory() as s:
        item = s.get(Item, item_id)
        if item is None:
            raise NotFound(f"no item #{item_id}")
        return for_item(s, item, include_removed)


def list_for_subject(
    factory: SessionFactory, subject: Subject, include_removed: bool = False
) -> list[ReferenceView]:
    with factory() as s:
        _check_subject(s, subject)
        condition = and_(Reference.subject_type == subject.type, Reference.subject_id == subject.id)
        if not include_removed:
            condition = and_(condition, Reference.removed_at.is_(None))
        return _views(s, condition)


def search_condition(value: str) -> ColumnElement[bool]:
    """`ref:VALUE` (that reference, any kind) or `ref:KIND` (any live reference of that kind).

    True for an item when a live reference matches on the item, its thread or its contact.
    """
    low = value.strip().lower()
    if low in KINDS or low == "cad":
        match: ColumnElement[bool] = Reference.kind == normalise_kind(low)
    else:
        key = value_key(value)
        if not key:
            return false()
        match = Reference.value_key == key
    live = and_(match, Reference.removed_at.is_(None))
    return or_(
        exists().where(live, Reference.subject_type == "item", Reference.subject_id == Item.id),
        exists().where(
            live, Reference.subject_type == "thread", Reference.subject_id == Item.thread_id
        ),
        exists().where(
            live, Reference.subject_type == "contact", Reference.subject_id == Item.contact_id
        ),
    )


def crime_references(
    session: Session, item_ids: Iterable[int], as_of: datetime
) -> dict[int, list[str]]:
    """Which of these items had a crime reference at `as_of` (their own, thread's or contact's).

    References are few beside items: the live ones are read first, then only the items of
    the threads and contacts they name, so a week of 100,000 items costs two small queries.
    """
    wanted = set(item_ids)
    if not wanted:
        return {}
    refs = session.execute(
        select(Reference.subject_type, Reference.subject_id, Reference.value)
        .where(
            Reference.kind == "crime",
            Reference.added_at <= as_of,
            or_(Reference.removed_at.is_(None), Reference.removed_at > as_of),
        )
        .order_by(Reference.id)
    ).all()
    by_type: dict[str, dict[int, list[str]]] = {t: defaultdict(list) for t in SUBJECTS}
    for subject_type, subject_id, value in refs:
        by_type[subject_type][subject_id].append(value)
    found: dict[int, list[str]] = defaultdict(list)
    for item_id, values in by_type["item"].items():
        if item_id in wanted:
            found[item_id].extend(values)
    threads, contacts = by_type["thread"], by_type["contact"]
    if threads or contacts:
        rows = session.execute(
            select(Item.id, Item.thread_id, Item.contact_id).where(
                or_(Item.thread_id.in_(list(threads)), Item.contact_id.in_(list(contacts)))
            )
        )
        for item_id, thread_id, contact_id in rows:
            if item_id not in wanted:
                continue
            found[item_id].extend(threads.get(thread_id, []) if thread_id else [])
            found[item_id].extend(contacts.get(contact_id, []) if contact_id else [])
    return {k: sorted(set(v)) for k, v in found.items() if v}
