"""`front-counter hours ...` as a subprocess: staffed hours, acknowledgements, on call, all audited."""

from __future__ import annotations

import json

from sqlalchemy import select

from services.records.audit_actions import AuditAction
from services.store.db import make_engine, make_session_factory
from services.store.models_audit import AuditEvent
from tests.e2e.test_cli import demo_db, run

__all__ = ["demo_db"]  # the fixture, shared with test_cli

TEXT = "We are not monitoring this page right now; if you are in danger call 999; otherwise {non_emergency}"


def test_an_admin_sets_up_out_of_hours_and_an_officer_cannot(demo_db: str) -> None:
    hours = run(demo_db, "hours", "set", "--days", "mon-fri", "--from", "08:00", "--to", "18:00",
                "--holiday", "2026-12-25")  # fmt: skip
    assert hours.returncode == 0, hours.stderr
    assert "mon-fri 08:00-18:00 (Europe/London), not on 2026-12-25" in hours.stdout
    ack = run(demo_db, "hours", "ack", "Facebook page", "--on", "--text", TEXT)
    assert ack.returncode == 0, ack.stderr
    assert "Automatic out-of-hours reply" in ack.stdout  # who the replies will be from
    assert run(demo_db, "hours", "on-call", "g.okafor").returncode == 0

    shown = json.loads(run(demo_db, "hours", "show", "--json").stdout)
    assert shown["hours"]["days"] == [0, 1, 2, 3, 4] and shown["on_call"] == "g.okafor"
    assert [(a["channel"], a["on"], a["text"]) for a in shown["acknowledgements"]] == [
        ("Facebook page", True, TEXT)
    ]
    assert isinstance(shown["staffed_now"], bool)

    feed = run(demo_db, "hours", "ack", "Latest appeals feed", "--on", "--text", "Hello")
    assert feed.returncode == 1 and "read-only" in feed.stderr
    officer = run(demo_db, "hours", "ack", "Facebook page", "--off", user="d.hughes")
    assert officer.returncode == 1 and "only admin" in officer.stderr
    not_a_supervisor = run(demo_db, "hours", "on-call", "d.hughes")
    assert not_a_supervisor.returncode == 1 and "supervisor or admin" in not_a_supervisor.stderr
    assert run(demo_db, "hours", "pages").stdout.strip() == "no on-call pages"

    engine = make_engine(demo_db)
    try:
        with make_session_factory(engine)() as s:
            actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    finally:
        engine.dispose()
    for action in (
        AuditAction.SETTING_STAFFED_HOURS,
        AuditAction.SETTING_OUT_OF_HOURS_ACK,
        AuditAction.SETTING_ON_CALL,
    ):
        assert actions.count(action) == 1, action
    assert run(demo_db, "audit", "verify").returncode == 0
