"""The audit trail: one hash-chained event per change, written in the change's own transaction.

`write_transaction` is the unit of work every use case runs in. Its first
statement locks the chain's head row, which serialises writers on both
SQLite (no deferred-lock upgrade deadlock) and PostgreSQL (row lock), so the
chain never forks.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from services import change_feed
from services.audit_actions import AuditAction
from services.changes import ChangeKind, Changes
from services.store.db import SessionFactory
from services.store.models import AuditEvent, AuditHead, Change, User, utcnow

if TYPE_CHECKING:
    from services.users import Actor

GENESIS = "0" * 64


def current_os_login() -> str:
    """Who is logged in to the computer, recorded beside the acting user on every event.

    On SQLite anyone can claim any user name; the OS login makes acting as someone
    else visible in the audit. It is what the process's environment says (like psql).
    """
    try:
        return getpass.getuser()[:64]
    except OSError:  # no login name in the environment and no passwd entry (a bare container)
        return "?"


def event_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    prev_hash: str,
    os_login: str | None = None,
) -> str:
    """The event's SHA-256 over a canonical JSON payload.

    Payload versions: 1 (no `v` key) for events written before the OS login was
    recorded, whose `os_login` is None; 2 adds `v` and `os_login`. The version is
    read from the row (os_login present or not), so old events verify unchanged
    and clearing a new event's os_login breaks its hash.
    """
    payload: dict[str, Any] = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    if os_login is not None:
        payload |= {"v": 2, "os_login": os_login}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Transaction:
    """One use case's unit of work: the session, the actor, and what it changed."""

    session: Session
    actor: Actor | None
    now: datetime
    _seq: int
    _hash: str
    kinds: set[ChangeKind] = field(default_factory=set)
    item_ids: set[int] = field(default_factory=set)
    os_login: str = field(default_factory=current_os_login)
    _pending: list[dict[str, Any]] = field(default_factory=list)
    """Events hashed but not yet inserted: written together, in order, by `flush_audit`."""

    def audit(
        self,
        action: AuditAction,
        subject_type: str,
        subject_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        *,
        actor_id: int | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append one event; `actor_id`/`at` override the defaults only for imported history."""
        self._seq += 1
        actor_id = actor_id if actor_id is not None else (self.actor.id if self.actor else None)
        at = at or self.now
        digest = event_hash(
            seq=self._seq,
            at=at,
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            before=before,
            after=after,
            prev_hash=self._hash,
            os_login=self.os_login,
        )
        self._pending.append(
            {
                "seq": self._seq,
                "at": at,
                "actor_id": actor_id,
                "action": action,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "before": before,
                "after": after,
                "prev_hash": self._hash,
                "hash": digest,
                "os_login": self.os_login,
            }
        )
        self._hash = digest

    def flush_audit(self) -> None:
        """Insert the pending events in one executemany (a bulk action's 1,000 at once).

        Runs before any ORM statement of this session (`_audit_first`), so a query in the
        transaction sees every event appended so far, and at the end of the transaction.
        """
        if self._pending:
            rows, self._pending = self._pending, []
            self.session.connection().execute(_AUDIT_INSERT, rows)

    def touched(self, kind: ChangeKind, *item_ids: int) -> None:
        self.kinds.add(kind)
        self.item_ids.update(item_ids)

    def changes(self) -> Changes:
        return Changes(frozenset(self.kinds), frozenset(self.item_ids))


_AUDIT_INSERT = cast(Table, AuditEvent.__table__).insert()
_PENDING_AUDIT = "audit_transaction"


@event.listens_for(Session, "do_orm_execute")
def _audit_first(state: ORMExecuteState) -> None:
    """Pending audit events go in before any ORM statement of their session runs."""
    tx = state.session.info.get(_PENDING_AUDIT)
    if tx is not None:
        tx.flush_audit()


@contextmanager
def write_transaction(factory: SessionFactory, actor: Actor | None) -> Iterator[Transaction]:
    with factory() as session, session.begin():
        # A write as the very first statement takes the database's write lock at once.
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
        seq, last_hash = session.execute(
            select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)
        ).one()
        tx = Transaction(session, actor, utcnow(), seq, last_hash)
        session.info[_PENDING_AUDIT] = tx
        try:
            yield tx
            tx.flush_audit()
        finally:
            session.info.pop(_PENDING_AUDIT, None)
        if tx._seq != seq:
            session.execute(
                update(AuditHead).where(AuditHead.id == 1).values(seq=tx._seq, last_hash=tx._hash)
            )
        if tx.kinds:
            session.add(
                Change(
                    at=tx.now,
                    kinds=",".join(sorted(tx.kinds)),
                    item_ids=sorted(tx.item_ids)[:5000] or None,
                    origin=session.info.get("origin"),
                )
            )
            change_feed.notify(session)


@dataclass(frozen=True)
class ChainReport:
    events: int
    ok: bool
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str | None = None


def verify_chain(factory: SessionFactory, batch: int = 5000) -> ChainReport:
    """Walk the chain in order; name the first event whose hash or link does not hold."""
    prev = GENESIS
    expected_seq = 0
    count = 0
    with factory() as session:
        last_seq = 0
        while True:
            events = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.seq > last_seq)
                .order_by(AuditEvent.seq)
                .limit(batch)
            ).all()
            if not events:
                break
            for ev in events:
                expected_seq += 1
                count += 1
                if ev.seq != expected_seq:
                    return ChainReport(
                        count, False, ev.seq, ev.id, f"event {expected_seq} is missing"
                    )
                if ev.prev_hash != prev:
                    return ChainReport(
                        count, False, ev.seq, ev.id, "link to the previous event is broken"
                    )
                digest = event_hash(
                    seq=ev.seq,
                    at=ev.at,
                    actor_id=ev.actor_id,
                    action=ev.action,
                    subject_type=ev.subject_type,
                    subject_id=ev.subject_id,
                    before=ev.before,
                    after=ev.after,
                    prev_hash=ev.prev_hash,
                    os_login=ev.os_login,
                )
                if digest != ev.hash:
                    return ChainReport(
                        count, False, ev.seq, ev.id, "contents differ from what was recorded"
                    )
                prev = ev.hash
            last_seq = events[-1].seq
            session.expunge_all()
        head = session.get(AuditHead, 1)
        if head is None or head.seq != expected_seq or head.last_hash != prev:
            return ChainReport(
                count, False, expected_seq + 1, None, "events after the last one were removed"
            )
    return ChainReport(count, True)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    os_login: str | None = None


def item_trail(session: Session, item_id: int) -> list[AuditEntry]:
    rows = session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_type == "item", AuditEvent.subject_id == item_id)
        .order_by(AuditEvent.seq)
    ).all()
    return [
        AuditEntry(e.seq, e.at, name, e.action, e.before, e.after, e.os_login) for e, name in rows
    ]
