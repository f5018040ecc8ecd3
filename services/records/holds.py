"""Legal holds: an item, a thread or a contact kept whole, whatever retention or an erasure says.

A hold is placed and lifted with a reason, each audited on its subject. An item is
held when a live hold names it, its thread, or its contact; retention and
`forget person` skip held items and say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.errors import InvalidInput, NotFound
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Contact, Item, Thread, User
from services.store.models_records import LegalHold
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction

SubjectType = Literal["item", "thread", "contact"]
SUBJECTS: tuple[SubjectType, ...] = ("item", "thread", "contact")
_TABLES = {"item": Item, "thread": Thread, "contact": Contact}


@dataclass(frozen=True)
class Hold:
    id: int
    subject_type: str
    subject_id: int
    reason: str
    placed_by: str | None
    placed_at: datetime
    lifted_at: datetime | None = None


def _check_subject(session: Session, subject_type: str, subject_id: int) -> None:
    table = _TABLES.get(subject_type)
    if table is None:
        raise InvalidInput(f"a hold is on an item, a thread or a contact, not {subject_type!r}")
    if session.get(table, subject_id) is None:
        raise NotFound(f"no {subject_type} {subject_id}")


def add_hold(
    factory: SessionFactory, actor: Actor, subject_type: str, subject_id: int, reason: str
) -> Hold:
    actor.require(Permission.REVIEW)  # supervisors and admins
    if not reason.strip():
        raise InvalidInput("a legal hold needs a reason (--reason)")
    with write_transaction(factory, actor) as tx:
        _check_subject(tx.session, subject_type, subject_id)
        hold = LegalHold(
            subject_type=subject_type,
            subject_id=subject_id,
            reason=reason.strip(),
            placed_by_id=actor.id,
            placed_at=tx.now,
        )
        tx.session.add(hold)
        tx.session.flush()
        tx.audit(
            AuditAction.HOLD_ADD,
            subject_type,
            subject_id,
            None,
            {"hold_id": hold.id, "reason": hold.reason},
        )
        tx.touched(ChangeKind.ITEMS)
        return Hold(hold.id, subject_type, subject_id, hold.reason, actor.name, tx.now)


def remove_hold(
    factory: SessionFactory, actor: Actor, subject_type: str, subject_id: int, reason: str
) -> int:
    """Lift every live hold on the subject; the number lifted (none: NotFound)."""
    actor.require(Permission.REVIEW)
    if not reason.strip():
        raise InvalidInput("lifting a legal hold needs a reason (--reason)")
    with write_transaction(factory, actor) as tx:
        live = tx.session.scalars(
            select(LegalHold).where(
                LegalHold.subject_type == subject_type,
                LegalHold.subject_id == subject_id,
                LegalHold.lifted_at.is_(None),
            )
        ).all()
        if not live:
            raise NotFound(f"no legal hold on {subject_type} {subject_id}")
        for hold in live:
            hold.lifted_at = tx.now
            hold.lifted_by_id = actor.id
            hold.lift_reason = reason.strip()
            tx.audit(
                AuditAction.HOLD_REMOVE,
                subject_type,
                subject_id,
                {"hold_id": hold.id, "reason": hold.reason},
                {"lift_reason": hold.lift_reason},
            )
        tx.touched(ChangeKind.ITEMS)
        return len(live)


def list_holds(factory: SessionFactory, include_lifted: bool = False) -> list[Hold]:
    with factory() as s:
        query = (
            select(LegalHold, User.name)
            .outerjoin(User, User.id == LegalHold.placed_by_id)
            .order_by(LegalHold.id)
        )
        if not include_lifted:
            query = query.where(LegalHold.lifted_at.is_(None))
        return [
            Hold(h.id, h.subject_type, h.subject_id, h.reason, name, h.placed_at, h.lifted_at)
            for h, name in s.execute(query)
        ]


def held_items(session: Session, item_ids: Iterable[int]) -> set[int]:
    """Which of these items a live hold covers (on the item, its thread or its contact)."""
    ids = list(item_ids)
    if not ids:
        return set()
    live = select(LegalHold.subject_type, LegalHold.subject_id).where(LegalHold.lifted_at.is_(None))
    holds = session.execute(live).all()
    if not holds:
        return set()
    by_type: dict[str, set[int]] = {t: set() for t in SUBJECTS}
    for subject_type, subject_id in holds:
        by_type.setdefault(subject_type, set()).add(subject_id)
    held: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        held.update(
            session.scalars(
                select(Item.id).where(
                    Item.id.in_(chunk),
                    or_(
                        Item.id.in_(by_type["item"]),
                        Item.thread_id.in_(by_type["thread"]),
                        Item.contact_id.in_(by_type["contact"]),
                    ),
                )
            )
        )
    return held
