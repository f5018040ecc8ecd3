"""Warnings before an SLA timer breaches and a notice when it does, to the assignee and supervisors.

The worker sweeps the open items (`Sweeper`, once a minute): a running timer at risk (three
quarters of its working time gone) gets a warning, a breached one a breach notice, each
recorded once per item, timer, kind and round (services/store/models_sla.py), with one
recipient row for the assignee and each active supervisor. Where the applicable policy says so
(`auto_escalate`), a breach also escalates the item through services/desk/escalation.py, audited
there like any escalation, raised in the name of the admin who switched it on.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.desk import escalation, response, sla_policy
from services.desk.sla_facts import ItemBasics, Place, timers_for
from services.errors import KnownError
from services.store.db import SessionFactory
from services.store.models import Item, ItemTag, Role, Status, Tag, User, utcnow
from services.store.models_desk import Escalation
from services.store.models_sla import SlaNotice, SlaNoticeRecipient
from services.workspace.actor import Actor
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction

log = logging.getLogger(__name__)
WARNING, BREACH = "warning", "breach"
OPEN = (Status.NEW, Status.OPEN, Status.PENDING, Status.SNOOZED)
SWEEP_EVERY = timedelta(seconds=60)
TIMER_WORDS = {"first_response": "first response", "update": "update", "resolution": "resolution"}


@dataclass(frozen=True)
class Notice:
    id: int
    item_id: int
    timer: str
    kind: str
    due_at: datetime
    created_at: datetime
    escalated: bool

    @property
    def text(self) -> str:
        """One line for a person: what is due on which item."""
        what = TIMER_WORDS.get(self.timer, self.timer)
        if self.kind == BREACH:
            return f"SLA breached on #{self.item_id}: {what} was due {self.due_at:%H:%M %d %b} UTC"
        return f"SLA warning on #{self.item_id}: {what} due {self.due_at:%H:%M %d %b} UTC"


@dataclass(frozen=True)
class _Escalate:
    item_id: int
    notice_id: int
    reason: str
    auto: sla_policy.AutoEscalate


def _candidates(session: Session) -> list[ItemBasics]:
    rows = session.execute(
        select(
            Item.id,
            Item.channel_id,
            Item.created_at,
            Item.first_response_at,
            Item.thread_id,
            Item.contact_id,
            Item.status,
        ).where(Item.status.in_(OPEN), response.needs_answer_condition())
    ).all()
    connected = response.connected_at(session)
    ids = [r[0] for r in rows]
    tags: dict[int, list[str]] = defaultdict(list)
    names = {tid: name for tid, name in session.execute(select(Tag.id, Tag.name))}
    for k in range(0, len(ids), 5_000):
        for item_id, tag_id in session.execute(
            select(ItemTag.item_id, ItemTag.tag_id).where(ItemTag.item_id.in_(ids[k : k + 5_000]))
        ):
            tags[item_id].append(names[tag_id])
    return [
        ItemBasics(
            Place(r[0], r[4], r[5], str(r[6])),
            r[1],
            tuple(sorted(tags.get(r[0], ()))),
            r[2],
            r[2] >= connected.get(r[1], r[2]),
            r[3],
            None,  # open items only: none is done
        )
        for r in rows
    ]


def sweep(factory: SessionFactory, tz: ZoneInfo, now: datetime | None = None) -> list[Notice]:
    """Record the warnings and breaches due now; the notices recorded (each only once)."""
    recorded: list[Notice] = []
    escalate: list[_Escalate] = []
    with write_transaction(factory, None) as tx:
        s = tx.session
        at = now or tx.now
        policy = sla_policy.load(s)
        basics = _candidates(s)
        timers = timers_for(s, basics, policy, tz, at)
        ids = list(timers)
        seen: set[tuple[int, str, str, datetime]] = set()
        for k in range(0, len(ids), 5_000):
            seen.update(
                (r[0], r[1], r[2], r[3])
                for r in s.execute(
                    select(
                        SlaNotice.item_id, SlaNotice.timer, SlaNotice.kind, SlaNotice.started_at
                    ).where(SlaNotice.item_id.in_(ids[k : k + 5_000]))
                )
            )
        supervisors = list(
            s.scalars(select(User.id).where(User.role == Role.SUPERVISOR, User.active.is_(True)))
        )
        assignees: dict[int, int | None] = {}
        for k in range(0, len(ids), 5_000):
            chunk = ids[k : k + 5_000]
            assignees.update(
                (i, a)
                for i, a in s.execute(select(Item.id, Item.assignee_id).where(Item.id.in_(chunk)))
            )
        by_id = {b.place.item_id: b for b in basics}
        for item_id, item in timers.items():
            for t in item.timers:
                if not t.running:
                    continue
                warn = t.state == "pending" and t.at_risk  # not while waiting on the public
                kind = BREACH if t.state == "breached" else WARNING if warn else None
                if kind is None or (item_id, t.name, kind, t.started_at) in seen:
                    continue
                notice = SlaNotice(
                    item_id=item_id,
                    timer=t.name,
                    kind=kind,
                    started_at=t.started_at,
                    due_at=t.due,
                    created_at=at,
                )
                s.add(notice)
                s.flush()
                people = set(supervisors)
                assignee = assignees.get(item_id)
                if assignee is not None:
                    people.add(assignee)
                s.add_all(SlaNoticeRecipient(notice_id=notice.id, user_id=u) for u in people)
                tx.touched(ChangeKind.ITEMS, item_id)
                recorded.append(
                    Notice(notice.id, item_id, t.name, kind, t.due, at, escalated=False)
                )
                b = by_id[item_id]
                auto = policy.for_item(b.channel_id, b.tags).auto_escalate
                if kind == BREACH and auto is not None:
                    word = TIMER_WORDS[t.name]
                    reason = f"Automatic: SLA {word} breached (was due {t.due:%Y-%m-%d %H:%M} UTC)"
                    escalate.append(_Escalate(item_id, notice.id, reason, auto))
    for e in escalate:
        _auto_escalate(factory, e)
    return recorded


def _auto_escalate(factory: SessionFactory, e: _Escalate) -> None:
    """Escalate through the escalation service, in the name of the admin who switched it on."""
    with factory() as s:
        user = s.get(User, e.auto.by_id)
    if user is None or not user.active:
        log.warning("SLA auto-escalation of #%s skipped: its policy's author is gone", e.item_id)
        return
    actor = Actor(user.id, user.name, user.display_name, user.role, user.collar_number)
    try:
        escalation.escalate(
            factory, actor, [e.item_id], e.reason, to_user=e.auto.user, to_team=e.auto.team
        )
    except KnownError as exc:
        log.warning("SLA auto-escalation of #%s failed: %s", e.item_id, exc)
        return
    with write_transaction(factory, None) as tx:
        esc = tx.session.scalar(
            select(Escalation.id)
            .where(Escalation.item_id == e.item_id, Escalation.reason == e.reason)
            .order_by(Escalation.id.desc())
            .limit(1)
        )
        notice = tx.session.get(SlaNotice, e.notice_id)
        if notice is not None:
            notice.escalation_id = esc


def notices_for(factory: SessionFactory, user_id: int, after_id: int = 0) -> list[Notice]:
    """A person's notices, newest first (`after_id`: only those recorded after that one)."""
    with factory() as s:
        rows = s.execute(
            select(SlaNotice)
            .join(SlaNoticeRecipient, SlaNoticeRecipient.notice_id == SlaNotice.id)
            .where(SlaNoticeRecipient.user_id == user_id, SlaNotice.id > after_id)
            .order_by(SlaNotice.id.desc())
            .limit(500)
        ).scalars()
        return [
            Notice(
                n.id,
                n.item_id,
                n.timer,
                n.kind,
                n.due_at,
                n.created_at,
                n.escalation_id is not None,
            )
            for n in rows
        ]


class Sweeper:
    """The worker's step: a sweep at most once a minute; a failure is logged, never fatal."""

    def __init__(self, factory: SessionFactory, tz: ZoneInfo) -> None:
        self._factory = factory
        self._tz = tz
        self._last: datetime | None = None

    def tick(self) -> None:
        now = utcnow()
        if self._last is not None and now - self._last < SWEEP_EVERY:
            return
        self._last = now
        try:
            sweep(self._factory, self._tz, now)
        except Exception:
            log.exception("the SLA sweep failed; the worker carries on")
