"""The OS login beside the acting user in every audit event, on both databases."""

from __future__ import annotations

import getpass

from sqlalchemy import select, update

from services.records import audit
from services.store.db import SessionFactory
from services.store.models import Role
from services.store.models_audit import AuditEvent, AuditHead
from services.workspace.actor import Actor
from services.workspace.users import add_user, resolve_actor, set_own_profile


def test_acting_as_someone_else_shows_who_was_at_the_keyboard(
    factory: SessionFactory, admin: Actor
) -> None:
    add_user(factory, admin, "grace", Role.SUPERVISOR)
    # On SQLite anyone can claim a name; the event says which OS login did.
    grace = resolve_actor(factory, "grace")
    set_own_profile(factory, grace, "Sgt Grace Okafor", "1187")
    with factory() as s:
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert events[-1].actor_id == grace.id
    assert all(e.os_login == getpass.getuser() for e in events)
    assert audit.verify_chain(factory).ok


def test_clearing_the_os_login_of_an_event_breaks_the_chain(
    factory: SessionFactory, admin: Actor
) -> None:
    add_user(factory, admin, "dan", Role.OFFICER)
    with factory.begin() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(os_login=None))
    report = audit.verify_chain(factory)
    assert not report.ok and report.broken_seq == 1


def test_events_from_before_the_os_login_was_recorded_still_verify(
    factory: SessionFactory, admin: Actor
) -> None:
    """An event written by an older release: no os_login, hashed with the version 1 payload."""
    add_user(factory, admin, "dan", Role.OFFICER)
    with factory.begin() as s:
        prev = audit.GENESIS
        for ev in s.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            ev.os_login = None
            ev.prev_hash = prev
            ev.hash = audit.event_hash(
                seq=ev.seq,
                at=ev.at,
                actor_id=ev.actor_id,
                action=ev.action,
                subject_type=ev.subject_type,
                subject_id=ev.subject_id,
                before=ev.before,
                after=ev.after,
                prev_hash=prev,
            )
            prev = ev.hash
        s.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))
    add_user(factory, admin, "grace", Role.SUPERVISOR)  # a new event after the old ones
    assert audit.verify_chain(factory).ok
