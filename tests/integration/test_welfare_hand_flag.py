"""Flagging an item as distressing by hand: veiled for everyone, audited, lifted only with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.errors import InvalidInput
from services.records import audit, welfare
from services.store.db import SessionFactory
from services.store.models_audit import AuditEvent
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item


def _events(factory: SessionFactory, item_id: int) -> list[AuditEvent]:
    with factory() as s:
        return list(
            s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "item.distressing", AuditEvent.subject_id == item_id)
                .order_by(AuditEvent.seq)
            )
        )


def test_a_hand_flag_veils_for_everyone_and_is_lifted_only_with_a_reason(
    factory: SessionFactory, officer: Actor, supervisor: Actor
) -> None:
    ch = add_channel(factory)
    photo = add_item(factory, ch, "h1", "A photo of the injuries")
    done = welfare.set_distressing(factory, officer, photo, True)
    assert done.changed and done.distressing
    with factory() as s:
        assert welfare.veiled(s, officer.id, [photo]) == {photo}
        assert welfare.veiled(s, supervisor.id, [photo]) == {photo}
    assert not welfare.set_distressing(factory, supervisor, photo, True).changed  # once

    with pytest.raises(InvalidInput, match="say why"):
        welfare.set_distressing(factory, supervisor, photo, False, "  ")
    lifted = welfare.set_distressing(factory, supervisor, photo, False, "the photo is a map")
    assert lifted.changed and not lifted.distressing
    with factory() as s:
        assert welfare.veiled(s, officer.id, [photo]) == set()
    on, off = _events(factory, photo)
    assert (on.actor_id, on.before, on.after) == (
        officer.id, {"distressing": False}, {"distressing": True, "by": officer.name},
    )  # fmt: skip
    assert off.actor_id == supervisor.id and off.after == {
        "distressing": False, "by": supervisor.name, "reason": "the photo is a map",
    }  # fmt: skip
    assert audit.verify_chain(factory).ok


def test_lifting_a_hand_flag_leaves_the_risk_rules_flag_and_says_so(
    factory: SessionFactory, officer: Actor
) -> None:
    ch = add_channel(factory)
    item = add_item(factory, ch, "r1", "I am going to kill myself tonight")
    welfare.set_distressing(factory, officer, item, True, "and a photo")
    lifted = welfare.set_distressing(factory, officer, item, False, "duplicate flag")
    assert lifted.changed and lifted.risk_categories == ("suicide and self-harm",)
    with factory() as s:
        assert welfare.veiled(s, officer.id, [item]) == {item}  # the rule still flags it
