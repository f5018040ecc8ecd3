"""A bulk action's audit events go in together (one executemany) with the chain exact (issue 18)."""

from __future__ import annotations

from sqlalchemy import func, select

from services.inbox import triage, undo
from services.records import audit
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Status
from services.store.models_audit import AuditEvent
from services.workspace import unit_of_work
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item


def test_bulk_actions_leave_an_intact_chain_with_every_items_trail(
    factory: SessionFactory, officer: Actor
) -> None:
    channel = add_channel(factory)
    ids = [add_item(factory, channel, f"c{n}", f"comment {n}") for n in range(40)]

    triage.tag(factory, officer, ids, "complaint")
    done = triage.set_status(factory, officer, ids[:25], Status.DONE)
    assert done.undo is not None
    undo.undo(factory, officer, done.undo)

    assert audit.verify_chain(factory).ok
    with factory() as s:
        for item_id in ids:
            actions = [e.action for e in audit.item_trail(s, item_id)]
            expected = ["item.tag"] + (
                ["item.status", "item.status"] if item_id in ids[:25] else []
            )
            assert actions[-len(expected) :] == expected
        seqs = list(s.scalars(select(AuditEvent.seq).order_by(AuditEvent.id)))
    assert seqs == sorted(seqs)


def test_a_query_in_the_transaction_sees_the_events_appended_before_it(
    factory: SessionFactory,
) -> None:
    with unit_of_work.write_transaction(factory, None) as tx:
        before = tx.session.scalar(select(func.count()).select_from(AuditEvent))
        for n in range(3):
            tx.audit(AuditAction.ITEM_TAG, "item", n, None, {"tags": ["x"]})
        seen = tx.session.scalar(select(func.count()).select_from(AuditEvent))
    assert seen == (before or 0) + 3
    assert audit.verify_chain(factory).ok
