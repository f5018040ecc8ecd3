"""The audit trail: one hash-chained event per change, how each is hashed, and checking the chain.

Events are written by the unit of work (services/workspace/unit_of_work.py), in the change's own
transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.store.db import SessionFactory
from services.store.models import User
from services.store.models_audit import AuditEvent, AuditHead

GENESIS = "0" * 64


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
    and clearing a new event's os_login breaks its hash. This is the reference: the unit
    of work hashes the same text faster (services/records/audit_chain.py).
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
