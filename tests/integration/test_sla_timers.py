"""Issue 11.4: three SLA timers per item, paused while waiting on the public, business hours and
holidays; notices at breach to the assignee and supervisors; automatic escalation; precedence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services.desk import response, sla_notices, sla_policy
from services.desk.sla_facts import ItemBasics, Place, timers_for
from services.inbox import item_rows, triage
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Item, Reply, ReplyState, utcnow
from services.store.models_audit import AuditEvent
from services.store.models_desk import Escalation
from services.workspace.actor import Actor
from services.workspace.unit_of_work import write_transaction
from tests.builders import add_channel, add_item

LONDON = ZoneInfo("Europe/London")  # GMT in December: local times are UTC times below


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def set_policy(factory: SessionFactory, admin: Actor, value: dict[str, Any]) -> None:
    sla_policy.change(factory, admin, lambda _old: value)


def send_reply(factory: SessionFactory, item_id: int, author: Actor, at: datetime) -> None:
    with write_transaction(factory, author) as tx:
        item = tx.session.get(Item, item_id)
        assert item is not None
        tx.session.add(
            Reply(
                item_id=item_id,
                author_id=author.id,
                body="Thanks, we are looking into it",
                state=ReplyState.SENT,
                sent_at=at,
                created_at=at,
                updated_at=at,
            )
        )
        response.record_sent_reply(tx.session, item, at, author.id)


def set_status_at(factory: SessionFactory, item_id: int, was: str, now: str, at: datetime) -> None:
    """A status change recorded at a hand-placed time (the audit trail is where pauses live)."""
    with write_transaction(factory, None) as tx:
        tx.audit(AuditAction.ITEM_STATUS, "item", item_id, {"status": was}, {"status": now}, at=at)


def timers_at(factory: SessionFactory, item_id: int, as_of: datetime) -> Any:
    with factory() as s:
        item = s.get(Item, item_id)
        assert item is not None
        basics = ItemBasics(
            Place(item.id, item.thread_id, item.contact_id, item.status.value),
            item.channel_id,
            (),
            item.created_at,
            True,
            item.first_response_at,
            None,
        )
        return timers_for(s, [basics], sla_policy.load(s), LONDON, as_of)[item_id]


def test_three_timers_with_a_pause_business_hours_and_holidays_worked_by_hand(
    factory: SessionFactory, admin: Actor, officer: Actor
) -> None:
    set_policy(
        factory,
        admin,
        {
            "target_hours": 4,
            "update_hours": 2,
            "resolution_hours": 16,
            "business_hours": {"start": "08:00", "end": "18:00", "weekdays": [0, 1, 2, 3, 4]},
            "holidays": ["2026-12-25", "2026-12-28"],  # Christmas Day, Boxing Day's substitute
        },
    )
    ch = add_channel(factory)
    # Posted Thursday 24 December 16:00 (the builder posts a minute before it is received).
    item = add_item(factory, ch, "c1", "my bike was stolen", received_at=utc(24, 16, 1))
    # Waiting on the public from Thursday 17:00 until Tuesday 29 December 09:00.
    set_status_at(factory, item, "open", "pending", utc(24, 17))
    set_status_at(factory, item, "pending", "open", utc(29, 9))
    send_reply(factory, item, officer, utc(29, 11))
    # The same person writes again in the thread on Tuesday at 15:00: an update is due.
    add_item(factory, ch, "c2", "any news?", received_at=utc(29, 15, 1))

    t = timers_at(factory, item, utc(29, 17, 30))
    first, update, resolution = (t.get(n) for n in ("first_response", "update", "resolution"))
    # First response, 4 working hours: Thu 16:00-17:00 (1 h), then paused; Friday and Monday
    # are holidays, the weekend is closed; it resumes Tue 09:00 and needs 3 h more: 12:00.
    assert first.due == utc(29, 12) and first.state == "within" and first.met_at == utc(29, 11)
    # Update, 2 working hours from the public's message at Tue 15:00: 17:00, now 30 min over.
    assert update.started_at == utc(29, 15) and update.due == utc(29, 17)
    assert update.state == "breached"
    # Resolution, 16 working hours: Thu 1 h + Tue 09:00-18:00 9 h = 10 h; Wed 08:00 + 6 h.
    assert resolution.due == utc(30, 14) and resolution.state == "pending"
    assert not resolution.at_risk  # 6.5 h of 16 left: more than a quarter
    # The chip's deadline is the nearest unmet one: the update, already over.
    assert t.nearest() == update

    # While it waits on the public, the clocks stop: as of Monday, paused, due moves on.
    paused = timers_at(factory, item, utc(28, 12))
    assert paused.get("first_response").state == "paused"
    assert paused.get("first_response").due == utc(29, 11)  # if it restarted now: Tue 08:00 + 3 h


def test_the_pause_ends_when_the_public_writes_again(factory: SessionFactory, admin: Actor) -> None:
    set_policy(factory, admin, {"target_hours": 4})  # around the clock
    ch = add_channel(factory)
    item = add_item(factory, ch, "p1", "what is my crime number?", received_at=utc(1, 10, 1))
    set_status_at(factory, item, "open", "pending", utc(1, 11))
    add_item(factory, ch, "p2", "it is WS/1234", received_at=utc(1, 13, 1))  # writes at 13:00
    first = timers_at(factory, item, utc(1, 14)).get("first_response")
    # 1 h ran before the pause, the clock restarted at 13:00: 3 h more, due 16:00.
    assert (first.state, first.due) == ("pending", utc(1, 16))


def test_policy_precedence_tag_over_channel_over_default(
    factory: SessionFactory, admin: Actor, officer: Actor
) -> None:
    force = add_channel(factory, "Force page")
    blog = add_channel(factory, "Blog")
    set_policy(
        factory,
        admin,
        {
            "target_hours": 24,
            "channels": {str(force): {"target_hours": 2}},
            "tags": {"hate-crime": {"target_hours": 1}, "foi": {"target_hours": 8}},
        },
    )
    plain = add_item(factory, force, "a")
    looser_tag = add_item(factory, force, "b")
    two_tags = add_item(factory, force, "c")
    elsewhere = add_item(factory, blog, "d")
    triage.tag(factory, officer, [looser_tag, two_tags], "foi")
    triage.tag(factory, officer, [two_tags], "hate-crime")
    rows = {r.id: r for r in item_rows.rows(factory, [plain, looser_tag, two_tags, elsewhere])}

    def applied(item_id: int) -> tuple[str, float]:
        row = rows[item_id]
        due = row.timers.get("first_response").due  # type: ignore[union-attr]
        assert row.posted_at is not None
        return row.timers.policy, (due - row.posted_at) / timedelta(hours=1)

    assert applied(plain) == ("channel Force page", 2)
    assert applied(looser_tag) == ("tag foi", 8)  # a tag's policy wins, even a looser one
    assert applied(two_tags) == ("tag hate-crime", 1)  # of two tags, the strictest
    assert applied(elsewhere) == ("default", 24)
    # The list's first-response clock is the same timer.
    assert rows[plain].sla.due == rows[plain].timers.get("first_response").due  # type: ignore[union-attr]


def test_a_breach_is_noticed_once_and_seen_by_the_assignee_and_supervisors(
    factory: SessionFactory, admin: Actor, officer: Actor, supervisor: Actor
) -> None:
    set_policy(factory, admin, {"target_hours": 24})
    ch = add_channel(factory)
    late = add_item(factory, ch, "late", received_at=utcnow() - timedelta(hours=30))
    add_item(factory, ch, "fresh")  # 23 h to go: neither warned nor breached
    triage.assign(factory, admin, [late], officer.name)

    first = sla_notices.sweep(factory, LONDON)
    again = sla_notices.sweep(factory, LONDON)

    assert [(n.item_id, n.timer, n.kind) for n in first] == [(late, "first_response", "breach")]
    assert again == []
    for person in (officer, supervisor):
        seen = sla_notices.notices_for(factory, person.id)
        assert [(n.item_id, n.kind) for n in seen] == [(late, "breach")]
        assert seen[0].text.startswith(f"SLA breached on #{late}: first response was due")
    assert sla_notices.notices_for(factory, admin.id) == []  # neither assignee nor supervisor


def test_a_warning_comes_before_the_breach(
    factory: SessionFactory, admin: Actor, supervisor: Actor
) -> None:
    set_policy(factory, admin, {"target_hours": 4})
    ch = add_channel(factory)
    soon = add_item(factory, ch, "soon", received_at=utcnow() - timedelta(hours=3, minutes=30))
    assert [(n.item_id, n.kind) for n in sla_notices.sweep(factory, LONDON)] == [(soon, "warning")]
    assert sla_notices.sweep(factory, LONDON) == []


def test_breach_escalates_automatically_when_the_policy_says_so(
    factory: SessionFactory, admin: Actor, supervisor: Actor
) -> None:
    set_policy(
        factory,
        admin,
        {"target_hours": 1, "auto_escalate": {"user": supervisor.name, "by": admin.id}},
    )
    ch = add_channel(factory)
    late = add_item(factory, ch, "late", received_at=utcnow() - timedelta(hours=2))

    sla_notices.sweep(factory, LONDON)
    sla_notices.sweep(factory, LONDON)

    with factory() as s:
        escs = s.scalars(select(Escalation).where(Escalation.item_id == late)).all()
        assert len(escs) == 1  # once, however often the worker sweeps
        assert escs[0].to_user_id == supervisor.id
        assert escs[0].reason.startswith("Automatic: SLA first response breached")
        audited = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.ITEM_ESCALATE.value,
                AuditEvent.subject_id == late,
            )
        ).all()
        assert len(audited) == 1
    assert sla_notices.notices_for(factory, supervisor.id)[0].escalated
