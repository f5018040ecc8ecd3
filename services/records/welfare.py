"""Staff welfare: distressing items shown veiled until a person chooses to see them.

An item is flagged when its risk reasons are in a distressing category (the risk
rules' own categories: self-harm, sexual offences, abuse, hate, threats to life),
or it carries the `distressing` tag (how a person flags one by hand). The list and
the pane veil a flagged item (text blurred, images hidden) for each person until
they reveal it; each reveal is an audit event by that person, so the weekly report
can count how many such items each person opened, and a supervisor can rotate
people off the queue. A person may choose to always see them unveiled (audited).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.desk import risk_levels
from services.errors import InvalidInput, NotFound
from services.inbox import item_versions, triage
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Item, ItemTag, Tag
from services.store.models_audit import AuditEvent
from services.store.models_inbox import ReadMark
from services.store.models_records import WelfarePreference
from services.store.planner import unindexed_text
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind, Changes
from services.workspace.unit_of_work import write_transaction

DISTRESSING_TAG = "distressing"
DISTRESSING_CATEGORIES = frozenset(
    {
        "suicide and self-harm",
        "sexual offence",
        "domestic abuse",
        "hate crime",
        "exploitation",
        "threat to life",
    }
)


def is_distressing(tags: Iterable[str], risk_reasons: Sequence[dict[str, Any]] | None) -> bool:
    """The one rule: the list, the pane and the report all ask this."""
    if DISTRESSING_TAG in tags:
        return True
    return any(str(r.get("category", "")) in DISTRESSING_CATEGORIES for r in risk_reasons or ())


def flagged(session: Session, item_ids: Sequence[int]) -> set[int]:
    """Which of these items are distressing."""
    ids = list(item_ids)
    if not ids:
        return set()
    tagged = set(
        session.scalars(
            select(ItemTag.item_id)
            .join(Tag, Tag.id == ItemTag.tag_id)
            .where(ItemTag.item_id.in_(ids), Tag.name == DISTRESSING_TAG)
        )
    )
    by_risk = {
        item_id
        for item_id, reasons in session.execute(
            select(Item.id, Item.risk_reasons).where(
                Item.id.in_(ids), Item.risk_reasons.is_not(None)
            )
        )
        if is_distressing((), reasons)
    }
    return tagged | by_risk


def revealed(session: Session, user_id: int, item_ids: Sequence[int]) -> set[int]:
    """Items this person has chosen to see (a reveal stays: they have seen it)."""
    ids = list(item_ids)
    if not ids:
        return set()
    return {
        int(subject_id)
        for subject_id in session.scalars(
            select(AuditEvent.subject_id).where(
                # By the items' ids: the (action, at) index would read every reveal ever made.
                unindexed_text(AuditEvent.action) == AuditAction.ITEM_REVEAL,
                AuditEvent.actor_id == user_id,
                AuditEvent.subject_type == "item",
                AuditEvent.subject_id.in_(ids),
            )
        )
        if subject_id is not None
    }


def always_reveals(session: Session, user_id: int) -> bool:
    pref = session.get(WelfarePreference, user_id)
    return bool(pref and pref.always_reveal)


def veiled(session: Session, user_id: int, item_ids: Sequence[int]) -> set[int]:
    """Which of these items this person should see veiled now."""
    if always_reveals(session, user_id):
        return set()
    marked = flagged(session, item_ids)
    return marked - revealed(session, user_id, sorted(marked)) if marked else set()


def veiled_for(factory: SessionFactory, user_id: int) -> frozenset[int]:
    """Every item this person sees veiled now (for the list: flagged items are few)."""
    with factory() as s:
        if always_reveals(s, user_id):
            return frozenset()
        tagged = set(
            s.scalars(
                select(ItemTag.item_id)
                .join(Tag, Tag.id == ItemTag.tag_id)
                .where(Tag.name == DISTRESSING_TAG)
            )
        )
        by_risk = {
            item_id
            for item_id, reasons in s.execute(
                # Only flagged items carry a level, and they are few (risk_levels.flagged).
                select(Item.id, Item.risk_reasons).where(risk_levels.flagged())
            )
            if is_distressing((), reasons)
        }
        marked = tagged | by_risk
        return frozenset(marked - revealed(s, user_id, sorted(marked)))


def reveal(factory: SessionFactory, actor: Actor, item_id: int) -> Changes:
    """This person chose to see a veiled item: recorded, once per person and item."""
    with write_transaction(factory, actor) as tx:
        if tx.session.get(Item, item_id) is None:
            raise NotFound(f"no item {item_id}")
        if not revealed(tx.session, actor.id, [item_id]):
            tx.audit(AuditAction.ITEM_REVEAL, "item", item_id, None, {"by": actor.name})
            tx.touched(ChangeKind.ITEMS, item_id)
        return tx.changes()


@dataclass(frozen=True)
class HandFlag:
    """What flagging an item by hand did: whether it changed, and the rules that still flag it."""

    item_id: int
    changed: bool
    flagged_by_hand: bool
    risk_categories: tuple[str, ...]
    changes: Changes

    @property
    def distressing(self) -> bool:
        return self.flagged_by_hand or bool(self.risk_categories)


def set_distressing(
    factory: SessionFactory, actor: Actor, item_id: int, on: bool, reason: str = ""
) -> HandFlag:
    """Flag an item as distressing by hand (veiled for everyone), or lift that flag.

    The hand flag is the `distressing` tag, so `is_distressing` stays the one rule. Each
    change is an `item.distressing` audit event with who and why; lifting a flag needs
    a reason (it shows the item unveiled to colleagues who did not choose to see it).
    Lifting cannot unveil an item the risk rules flag: the result names those categories.
    """
    actor.require(Permission.TRIAGE)
    why = " ".join(reason.split())
    if not on and not why:
        raise InvalidInput("say why the item is no longer distressing (--reason)")
    with write_transaction(factory, actor) as tx:
        [item] = item_versions.load_items(tx, [item_id], None, slim=True)
        tags = triage.tag_names(tx, item_id)
        categories = tuple(
            sorted(
                {
                    str(r.get("category"))
                    for r in item.risk_reasons or ()
                    if str(r.get("category", "")) in DISTRESSING_CATEGORIES
                }
            )
        )
        before = DISTRESSING_TAG in tags
        if before == on:
            return HandFlag(item_id, False, before, categories, tx.changes())
        tag_id = tx.session.scalar(select(Tag.id).where(Tag.name == DISTRESSING_TAG))
        if on:
            if tag_id is None:
                tag_row = Tag(name=DISTRESSING_TAG)
                tx.session.add(tag_row)
                tx.session.flush()
                tag_id = tag_row.id
                tx.touched(ChangeKind.TAGS)
            tx.session.add(ItemTag(item_id=item_id, tag_id=tag_id))
        else:
            tx.session.execute(
                delete(ItemTag).where(ItemTag.item_id == item_id, ItemTag.tag_id == tag_id)
            )
        after = {"distressing": on, "by": actor.name}
        tx.audit(
            AuditAction.ITEM_DISTRESSING,
            "item",
            item_id,
            {"distressing": before},
            {**after, "reason": why} if why else after,
        )
        # The tag is in another table: the version moves on.
        item_versions.write_items(tx, [(item, {})])
        tx.touched(ChangeKind.ITEMS, item_id)
        return HandFlag(item_id, True, on, categories, tx.changes())


def set_always_reveal(factory: SessionFactory, actor: Actor, on: bool) -> None:
    """A person's own choice (nobody sets it for someone else)."""
    with write_transaction(factory, actor) as tx:
        pref = tx.session.get(WelfarePreference, actor.id)
        before = bool(pref and pref.always_reveal)
        if pref is None:
            tx.session.add(WelfarePreference(user_id=actor.id, always_reveal=on))
        else:
            pref.always_reveal = on
        tx.audit(
            AuditAction.WELFARE_PREFERENCE,
            "user",
            actor.id,
            {"always_reveal": before},
            {"always_reveal": on},
        )
        tx.touched(ChangeKind.USERS)


def opened_in_week(
    session: Session, users: dict[int, str], start: datetime, end: datetime
) -> dict[str, int]:
    """Distressing items each person opened in [start, end): revealed, or read with always-reveal on."""
    seen: set[tuple[int, int]] = set()
    for actor_id, item_id in session.execute(
        select(AuditEvent.actor_id, AuditEvent.subject_id).where(
            AuditEvent.action == AuditAction.ITEM_REVEAL,
            AuditEvent.at >= start,
            AuditEvent.at < end,
        )
    ):
        if actor_id is not None and item_id is not None:
            seen.add((actor_id, int(item_id)))
    unveiled = set(
        session.scalars(
            select(WelfarePreference.user_id).where(WelfarePreference.always_reveal.is_(True))
        )
    )
    if unveiled:
        reads = session.execute(
            select(ReadMark.user_id, ReadMark.item_id).where(
                ReadMark.user_id.in_(unveiled), ReadMark.read_at >= start, ReadMark.read_at < end
            )
        ).all()
        marked = flagged(session, sorted({item for _u, item in reads}))
        seen.update((u, item) for u, item in reads if item in marked)
    counts = Counter(users.get(user_id, "?") for user_id, _item in seen)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
