"""Issue 11.5: an item acknowledged automatically and flagged urgent later is nobody's yet.

The out-of-hours acknowledgement is written by the automatic author: it is not a
person taking the item, so the desktop's urgent alarm rings for it, the on-call
supervisor is paged, and the weekly report does not count it as the first action.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services.answers import outbox
from services.channels.protocol import Registry, SentReply
from services.desk import out_of_hours, out_of_hours_admin, risk_view
from services.desk.staffed_hours import StaffedHours, parse_days
from services.reports import risk_figures
from services.store.db import SessionFactory
from services.store.models import Item, Reply, ReplyState, utcnow
from services.worker_events import OnCallPaged, OutOfHoursReplied
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item

LONDON = ZoneInfo("Europe/London")
TEXT = "Hello {name}. We are not monitoring this page right now; if you are in danger call 999."
FIRST = "Hi, is anyone there tonight? I need some advice."
EDITED = "Someone is breaking in right now, I'm hiding upstairs with my two kids. PLEASE"


def _evening() -> datetime:
    """19:00 London on a Tuesday at least a week ahead: out of hours, after the set-up."""
    day = (utcnow() + timedelta(days=7)).astimezone(LONDON).date()
    day += timedelta(days=(1 - day.weekday()) % 7)
    return datetime.combine(day, time(19), LONDON).astimezone(UTC)


def _acknowledged_then_urgent(
    factory: SessionFactory, admin: Actor, *, registry: Registry
) -> tuple[int, datetime]:
    blog = add_channel(factory)
    hours = StaffedHours(parse_days("mon-fri"), time(8), time(18), LONDON)
    out_of_hours_admin.set_hours(factory, admin, hours)
    out_of_hours_admin.set_ack(factory, admin, "Force blog", True, TEXT, registry=registry)
    out_of_hours_admin.set_on_call(factory, admin, "grace")
    evening = _evening()
    item = add_item(factory, blog, "c1", FIRST, author="Cara Vale", received_at=evening)
    [acked] = out_of_hours.run(factory, evening + timedelta(minutes=5), registry=registry)
    assert isinstance(acked, OutOfHoursReplied) and acked.state == "approved"
    assert risk_view.untaken_urgent(factory) == []  # not urgent yet: nothing rings

    # She edits her comment on the platform; the edit is classified again: urgent now.
    edited_at = evening + timedelta(minutes=20)
    assert add_item(factory, blog, "c1", EDITED, author="Cara Vale", received_at=edited_at) == item
    with factory() as s:
        assert s.get_one(Item, item).risk_level == "urgent"
    return item, edited_at


def test_an_item_acknowledged_automatically_rings_when_it_turns_urgent(
    factory: SessionFactory, admin: Actor, supervisor: Actor, registry: Registry
) -> None:
    item, edited_at = _acknowledged_then_urgent(factory, admin, registry=registry)

    # The acknowledgement (approved, waiting for the outbox) is no person taking it.
    assert [a.item_id for a in risk_view.untaken_urgent(factory)] == [item]
    # And the on-call supervisor is paged, like any urgent item out of hours.
    paged = out_of_hours.run(factory, edited_at + timedelta(minutes=1), registry=registry)
    assert paged == [OnCallPaged(item, "Sgt Grace Okafor")]


def test_a_sent_acknowledgement_is_not_taking_it_either(
    factory: SessionFactory, admin: Actor, supervisor: Actor, registry: Registry
) -> None:
    item, _ = _acknowledged_then_urgent(factory, admin, registry=registry)
    with factory() as s:
        reply_id = s.scalars(select(Reply.id).where(Reply.item_id == item)).one()
        channel_id = s.get_one(Item, item).channel_id
    # The outbox records it sent (this blog has no server behind it: its last step by hand).
    outbox._record_sent(factory, reply_id, channel_id, SentReply("wp-ack-1", None))
    with factory() as s:
        assert s.get_one(Reply, reply_id).state == ReplyState.SENT
        assert s.get_one(Item, item).first_response_at is None
    assert [a.item_id for a in risk_view.untaken_urgent(factory)] == [item]


def test_the_report_does_not_count_the_acknowledgement_as_the_first_action(
    factory: SessionFactory, admin: Actor, supervisor: Actor, registry: Registry
) -> None:
    item, edited_at = _acknowledged_then_urgent(factory, admin, registry=registry)
    week = (edited_at - timedelta(days=3), edited_at + timedelta(days=3))
    with factory() as s:
        # The acknowledgement was written before the edit; move it after to make the point.
        reply = s.scalars(select(Reply).where(Reply.item_id == item)).one()
        reply.created_at = edited_at + timedelta(minutes=2)
        s.commit()
        figures = risk_figures.compute(s, *week, as_of=week[1])
    assert figures.urgent_items == (item,)
    assert figures.first_action_minutes == ()
    assert figures.urgent_waiting == 1
