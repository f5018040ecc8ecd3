"""The unit of work every use case runs in: one transaction, its audit events, its change row.

Its first statement locks the audit chain's head row, which serialises writers on both
SQLite (no deferred-lock upgrade deadlock) and PostgreSQL (row lock), so the chain never
forks. The events are hashed here (services/records/audit.py says how; audit_chain.py does it
fast) and inserted in one batch (services/workspace/bulk_insert.py).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, event, insert, update
from sqlalchemy.orm import ORMExecuteState, Session

from services.records.audit_actions import AuditAction
from services.records.audit_chain import ChainHasher
from services.store.db import SessionFactory
from services.store.models import utcnow
from services.store.models_audit import AuditEvent, AuditHead, Change
from services.workspace import change_feed
from services.workspace.actor import Actor
from services.workspace.bulk_insert import insert_rows
from services.workspace.changes import ChangeKind, Changes


def current_os_login() -> str:
    """Who is logged in to the computer, recorded beside the acting user on every event.

    On SQLite anyone can claim any user name; the OS login makes acting as someone
    else visible in the audit. It is what the process's environment says (like psql).
    """
    try:
        return getpass.getuser()[:64]
    except OSError:  # no login name in the environment and no passwd entry (a bare container)
        return "?"


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
    _hasher: ChainHasher = field(default_factory=ChainHasher)

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
        digest = self._hasher.digest(
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
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        insert_rows(self.session.connection(), _AUDIT_TABLE, rows)

    def touched(self, kind: ChangeKind, *item_ids: int) -> None:
        self.kinds.add(kind)
        self.item_ids.update(item_ids)

    def changes(self) -> Changes:
        return Changes(frozenset(self.kinds), frozenset(self.item_ids))


_AUDIT_TABLE = cast(Table, AuditEvent.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_CHANGE = cast(Table, Change.__table__)
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
        # A write as the very first statement takes the database's write lock at once, and
        # reads the chain's head in the same statement. The head and the change row go
        # through the connection: the ORM's statement and flush machinery cost more than
        # either statement, on every write (an ingest page, a click).
        conn = session.connection()
        seq, last_hash = conn.execute(
            update(_HEAD)
            .where(_HEAD.c.id == 1)
            .values(seq=_HEAD.c.seq)
            .returning(_HEAD.c.seq, _HEAD.c.last_hash)
        ).one()
        tx = Transaction(session, actor, utcnow(), seq, last_hash)
        session.info[_PENDING_AUDIT] = tx
        try:
            yield tx
            tx.flush_audit()
        finally:
            session.info.pop(_PENDING_AUDIT, None)
        if tx._seq != seq:
            conn.execute(
                update(_HEAD).where(_HEAD.c.id == 1).values(seq=tx._seq, last_hash=tx._hash)
            )
        if tx.kinds:
            conn.execute(
                insert(_CHANGE).values(
                    at=tx.now,
                    kinds=",".join(sorted(tx.kinds)),
                    item_ids=sorted(tx.item_ids)[:5000] or None,
                    origin=session.info.get("origin"),
                )
            )
            change_feed.notify(session)
