"""Staff welfare: distressing items veiled per person, reveals audited, counted in the weekly report."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from services.inbox import triage
from services.records import audit, welfare
from services.store.db import SessionFactory
from services.store.models import User, utcnow
from services.store.models_audit import AuditEvent
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item


def test_flagged_items_are_veiled_until_each_person_reveals_them(
    factory: SessionFactory, officer: Actor, supervisor: Actor
) -> None:
    ch = add_channel(factory)
    by_risk = add_item(factory, ch, "r1", "I am going to kill myself tonight")
    by_hand = add_item(factory, ch, "h1", "A photo of the injuries")
    plain = add_item(factory, ch, "p1", "When is the next beat meeting?")
    triage.tag(factory, officer, [by_hand], welfare.DISTRESSING_TAG)
    ids = [by_risk, by_hand, plain]
    with factory() as s:
        assert welfare.flagged(s, ids) == {by_risk, by_hand}
        assert welfare.veiled(s, officer.id, ids) == {by_risk, by_hand}

    welfare.reveal(factory, officer, by_risk)
    welfare.reveal(factory, officer, by_risk)  # once per person and item
    with factory() as s:
        assert welfare.veiled(s, officer.id, ids) == {by_hand}
        assert welfare.veiled(s, supervisor.id, ids) == {by_risk, by_hand}  # per person
        reveals = s.scalars(select(AuditEvent).where(AuditEvent.action == "item.reveal")).all()
    assert [(e.actor_id, e.subject_id) for e in reveals] == [(officer.id, by_risk)]

    welfare.set_always_reveal(factory, supervisor, True)
    with factory() as s:
        assert welfare.veiled(s, supervisor.id, ids) == set()
    assert audit.verify_chain(factory).ok


def test_the_week_counts_distressing_items_each_person_opened(
    factory: SessionFactory, officer: Actor, supervisor: Actor
) -> None:
    ch = add_channel(factory)
    first = add_item(factory, ch, "r1", "He hits me when he drinks")
    second = add_item(factory, ch, "r2", "I want to end my life")
    triage.tag(factory, officer, [first, second], welfare.DISTRESSING_TAG)
    welfare.reveal(factory, officer, first)
    welfare.reveal(factory, officer, second)
    welfare.reveal(factory, supervisor, first)
    now = utcnow()
    with factory() as s:
        users = {u.id: u.display_name for u in s.scalars(select(User))}
        counts = welfare.opened_in_week(
            s, users, now - timedelta(days=7), now + timedelta(minutes=1)
        )
        earlier = welfare.opened_in_week(
            s, users, now - timedelta(days=14), now - timedelta(days=7)
        )
    assert counts == {"PC Dan Hughes": 2, "Sgt Grace Okafor": 1}
    assert earlier == {}
