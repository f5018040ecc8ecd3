"""The audit chain detects tampering and names the first broken event."""

from __future__ import annotations

from sqlalchemy import Engine, text

from services.inbox import triage
from services.records import audit
from services.store.db import SessionFactory
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item


def _some_history(factory: SessionFactory, officer: Actor) -> list[int]:
    ch = add_channel(factory)
    ids = [add_item(factory, ch, f"x{i}", "text") for i in range(3)]
    triage.tag(factory, officer, ids, "urgent")
    triage.add_note(factory, officer, ids[1], "internal")
    return ids


def test_intact_chain_verifies(factory: SessionFactory, officer: Actor) -> None:
    _some_history(factory, officer)
    report = audit.verify_chain(factory)
    assert report.ok and report.events >= 6


def test_edited_event_is_named(factory: SessionFactory, engine: Engine, officer: Actor) -> None:
    _some_history(factory, officer)
    with engine.begin() as conn:
        seq = conn.execute(
            text("SELECT seq FROM audit_event WHERE action = 'item.note'")
        ).scalar_one()
        conn.execute(
            text("UPDATE audit_event SET after = :a WHERE seq = :s"),
            {"a": '{"note_id": 1, "body": "nothing happened"}', "s": seq},
        )
    report = audit.verify_chain(factory)
    assert not report.ok and report.broken_seq == seq
    assert report.reason == "contents differ from what was recorded"


def test_deleted_event_is_named(factory: SessionFactory, engine: Engine, officer: Actor) -> None:
    _some_history(factory, officer)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 3"))
    report = audit.verify_chain(factory)
    assert (
        not report.ok and report.broken_seq == 4 and "event 3 is missing" in (report.reason or "")
    )


def test_truncated_tail_is_detected(
    factory: SessionFactory, engine: Engine, officer: Actor
) -> None:
    _some_history(factory, officer)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)"))
    assert not audit.verify_chain(factory).ok
