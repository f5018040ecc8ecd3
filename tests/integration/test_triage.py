"""Triage use cases on a real database: effects, audit events, conflicts, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.channels.protocol import Registry
from services.desk import escalation, teams
from services.errors import ConflictError, InvalidInput, NotFound, PermissionDenied
from services.inbox import conversation, item_rows, triage
from services.inbox import listing as inbox
from services.store.db import SessionFactory
from services.store.models import Role, Status, utcnow
from services.store.models_audit import AuditEvent
from services.workspace.actor import Actor
from services.workspace.users import add_user
from tests.builders import add_channel, add_item


@pytest.fixture
def items(factory: SessionFactory) -> list[int]:
    ch = add_channel(factory)
    return [add_item(factory, ch, f"c{i}", f"comment number {i}") for i in range(3)]


def _events(factory: SessionFactory, item_id: int) -> list[str]:
    with factory() as s:
        return list(
            s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.subject_type == "item", AuditEvent.subject_id == item_id)
                .order_by(AuditEvent.seq)
            )
        )


def test_tag_and_untag_show_on_the_item_and_in_the_audit(
    factory: SessionFactory, officer: Actor, items: list[int], registry: Registry
) -> None:
    triage.tag(factory, officer, [items[0]], "Road Safety")
    conv = conversation.load(factory, items[0], registry=registry)
    assert conv.tags == ("road-safety",)
    triage.untag(factory, officer, [items[0]], "road-safety")
    assert conversation.load(factory, items[0], registry=registry).tags == ()
    assert _events(factory, items[0]) == ["item.tag", "item.untag"]
    trail = conversation.load(factory, items[0], registry=registry).trail
    assert trail[0].actor == "dan" and trail[0].after == {"tags": ["road-safety"]}


def test_bulk_tag_is_one_transaction_with_one_event_per_item(
    factory: SessionFactory, officer: Actor, items: list[int]
) -> None:
    changes = triage.tag(factory, officer, items, "urgent")
    assert changes.item_ids == frozenset(items)
    for item_id in items:
        assert _events(factory, item_id) == ["item.tag"]


def test_bulk_action_with_a_missing_item_changes_nothing(
    factory: SessionFactory, officer: Actor, items: list[int], registry: Registry
) -> None:
    with pytest.raises(NotFound, match="#999"):
        triage.tag(factory, officer, [items[0], 999], "urgent")
    assert conversation.load(factory, items[0], registry=registry).tags == ()


def test_assign_opens_a_new_item_and_records_before_and_after(
    factory: SessionFactory, officer: Actor, supervisor: Actor, items: list[int], registry: Registry
) -> None:
    triage.assign(factory, supervisor, [items[1]], "dan")
    conv = conversation.load(factory, items[1], registry=registry)
    assert conv.assignee == "dan" and conv.status == "open"
    triage.assign(factory, supervisor, [items[1]], None)
    assert conversation.load(factory, items[1], registry=registry).assignee is None
    trail = conversation.load(factory, items[1], registry=registry).trail
    assert (trail[-1].before, trail[-1].after) == ({"assignee": "dan"}, {"assignee": None})


def test_assign_to_unknown_user_is_a_clear_error(
    factory: SessionFactory, officer: Actor, items: list[int]
) -> None:
    with pytest.raises(NotFound, match="no active user named 'nobody-here'"):
        triage.assign(factory, officer, items, "nobody-here")


def test_status_done_sets_resolved_and_reopen_clears_it(
    factory: SessionFactory, officer: Actor, items: list[int]
) -> None:
    triage.set_status(factory, officer, items[:2], Status.DONE)
    done = item_rows.rows(factory, items[:2])
    assert [r.status for r in done] == ["done", "done"]
    triage.set_status(factory, officer, [items[0]], Status.OPEN)
    assert item_rows.rows(factory, [items[0]])[0].status == "open"


def test_snooze_needs_a_future_time_and_hides_from_inbox_until_then(
    factory: SessionFactory, officer: Actor, items: list[int]
) -> None:
    with pytest.raises(InvalidInput, match="needs a time"):
        triage.set_status(factory, officer, [items[0]], Status.SNOOZED)
    with pytest.raises(InvalidInput, match="in the past"):
        triage.set_status(
            factory, officer, [items[0]], Status.SNOOZED, utcnow() - timedelta(hours=1)
        )
    triage.set_status(factory, officer, [items[0]], Status.SNOOZED, utcnow() + timedelta(hours=2))
    in_inbox = inbox.item_ids(factory, inbox.Query("is:inbox"))
    assert items[0] not in in_inbox and items[1] in in_inbox
    assert list(inbox.item_ids(factory, inbox.Query("is:snoozed"))) == [items[0]]


def test_stale_version_raises_conflict_instead_of_overwriting(
    factory: SessionFactory, officer: Actor, supervisor: Actor, items: list[int], registry: Registry
) -> None:
    seen = item_rows.rows(factory, [items[0]])[0].version
    triage.set_status(factory, supervisor, [items[0]], Status.DONE)  # someone else acts first
    with pytest.raises(ConflictError, match="Sgt Grace Okafor") as err:
        triage.assign(factory, officer, [items[0]], "dan", expected={items[0]: seen})
    assert "Nothing was overwritten" in str(err.value)
    conv = conversation.load(factory, items[0], registry=registry)
    assert conv.assignee is None and conv.status == "done"


def test_tagging_moves_the_version_on(
    factory: SessionFactory, officer: Actor, items: list[int]
) -> None:
    before = item_rows.rows(factory, [items[0]])[0].version
    triage.tag(factory, officer, [items[0]], "x")
    assert item_rows.rows(factory, [items[0]])[0].version > before


def test_note_is_internal_and_audited(
    factory: SessionFactory, officer: Actor, items: list[int], registry: Registry
) -> None:
    triage.add_note(factory, officer, items[0], "  Called her back, left a message. ")
    conv = conversation.load(factory, items[0], registry=registry)
    assert [(n.author, n.body) for n in conv.notes] == [
        ("PC Dan Hughes", "Called her back, left a message.")
    ]
    with pytest.raises(InvalidInput, match="empty"):
        triage.add_note(factory, officer, items[0], "   ")


def test_escalate_needs_reason_and_one_target_and_resolves(
    factory: SessionFactory,
    officer: Actor,
    supervisor: Actor,
    admin: Actor,
    items: list[int],
    registry: Registry,
) -> None:
    with pytest.raises(NotFound, match="no team named 'Professional Standards'"):
        escalation.escalate(
            factory, officer, [items[1]], "Complaint", to_team="Professional Standards"
        )
    teams.add_team(factory, admin, "Professional Standards")
    with pytest.raises(PermissionDenied):
        teams.add_team(factory, officer, "Friends of Dan")
    with pytest.raises(InvalidInput, match="reason"):
        escalation.escalate(factory, officer, [items[0]], " ", to_user="grace")
    with pytest.raises(InvalidInput, match="one person"):
        escalation.escalate(factory, officer, [items[0]], "threat", to_user="grace", to_team="CID")
    escalation.escalate(factory, officer, [items[0]], "Threat to a named officer", to_user="grace")
    escalation.escalate(factory, officer, [items[1]], "Complaint", to_team="Professional Standards")
    assert sorted(inbox.item_ids(factory, inbox.Query("is:escalated"))) == sorted(items[:2])
    conv = conversation.load(factory, items[0], registry=registry)
    assert conv.escalations[0].to == "Sgt Grace Okafor" and conv.escalations[0].resolved_at is None
    escalation.resolve(factory, supervisor, items[0], "Passed to CID, ref 55")
    assert list(inbox.item_ids(factory, inbox.Query("is:escalated"))) == [items[1]]
    assert (
        conversation.load(factory, items[0], registry=registry).escalations[0].resolution
        == "Passed to CID, ref 55"
    )


def test_officer_cannot_manage_users(factory: SessionFactory, officer: Actor) -> None:
    with pytest.raises(PermissionDenied, match="only admin may manage users"):
        add_user(factory, officer, "eve", Role.ADMIN)


def test_duplicate_user_is_refused(factory: SessionFactory, admin: Actor, officer: Actor) -> None:
    with pytest.raises(InvalidInput, match="already exists"):
        add_user(factory, admin, "dan", Role.OFFICER)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) >= 2
