"""Out of hours: one acknowledgement per person per period, never to an urgent item, via review."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from services import worker_events
from services.answers import outbox, review, review_policy
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.desk import out_of_hours, out_of_hours_admin, risk_view
from services.desk.response import unanswered_condition
from services.desk.staffed_hours import StaffedHours, parse_days
from services.records.audit import verify_chain
from services.store.db import SessionFactory
from services.store.models import Channel, Item, Reply, User, utcnow
from services.store.models_out_of_hours import OutOfHoursAck
from services.worker import Worker, WorkerOptions
from services.worker_events import OnCallPaged, OutOfHoursReplied, WorkerEvent
from services.workspace import settings as workspace_settings
from services.workspace.actor import Actor
from services.workspace.unit_of_work import write_transaction
from tests.builders import add_channel, add_item
from tests.fakes.wordpress import FakeWordPress

LONDON = ZoneInfo("Europe/London")
TEXT = "Hello {name}. We are not monitoring this page right now; if you are in danger call 999."
URGENT_TEXT = "Someone is breaking in right now, I'm hiding upstairs with my two kids. PLEASE"


def _tuesday() -> datetime:
    """Local midnight of a Tuesday at least a week ahead (after the acknowledgement is switched on)."""
    day = (utcnow() + timedelta(days=7)).astimezone(LONDON).date()
    day += timedelta(days=(1 - day.weekday()) % 7)
    return datetime.combine(day, time(0), LONDON)


def at(day: int, hh: int, mm: int = 0) -> datetime:
    """Tuesday + `day` days at hh:mm London time, as UTC."""
    base = _tuesday() + timedelta(days=day)
    return datetime.combine(base.date(), time(hh, mm), LONDON).astimezone(UTC)


def _set_up(
    factory: SessionFactory, admin: Actor, on_call: str | None = None, *, registry: Registry
) -> int:
    channel = add_channel(factory)
    hours = StaffedHours(parse_days("mon-fri"), time(8), time(18), LONDON)
    out_of_hours_admin.set_hours(factory, admin, hours)
    out_of_hours_admin.set_ack(factory, admin, "Force blog", True, TEXT, registry=registry)
    if on_call:
        out_of_hours_admin.set_on_call(factory, admin, on_call)
    return channel


def _post(
    factory: SessionFactory, channel: int, ext: str, who: str, when: datetime, text: str = "Hi"
) -> int:
    # add_item stamps the post a minute before it was received.
    return add_item(
        factory, channel, ext, text, author=who, received_at=when + timedelta(minutes=1)
    )


def _replies(factory: SessionFactory, item_id: int) -> list[tuple[str, str, str]]:
    with factory() as s:
        rows = s.execute(
            select(Reply.body, Reply.state, User.display_name)
            .join(User, User.id == Reply.author_id)
            .where(Reply.item_id == item_id)
        ).all()
    return [(b, st.value, a) for b, st, a in rows]


def test_one_acknowledgement_per_person_per_night(
    factory: SessionFactory, admin: Actor, registry: Registry
) -> None:
    blog = _set_up(factory, admin, registry=registry)
    first = _post(factory, blog, "c1", "Alex Reader", at(0, 19))
    events = out_of_hours.run(factory, at(0, 19, 5), registry=registry)

    [(body, state, author)] = _replies(factory, first)
    assert body.startswith("Hello Alex. We are not monitoring")  # placeholders filled
    assert state == "approved"  # the default policy lets an admin's text go straight out
    assert author == out_of_hours_admin.SYSTEM_DISPLAY_NAME
    assert [type(e) for e in events] == [OutOfHoursReplied]

    again = _post(factory, blog, "c2", "Alex Reader", at(0, 23))
    other = _post(factory, blog, "c3", "Bea Small", at(1, 2))
    out_of_hours.run(factory, at(1, 2, 5), registry=registry)
    assert _replies(factory, again) == []  # same person, same night: nothing
    assert len(_replies(factory, other)) == 1  # someone else that night: theirs

    next_night = _post(factory, blog, "c4", "Alex Reader", at(1, 20))
    out_of_hours.run(factory, at(1, 20, 5), registry=registry)
    assert len(_replies(factory, next_night)) == 1  # Wednesday night is a new period
    with factory() as s:
        assert s.query(Reply).count() == 3
    assert verify_chain(factory).ok


def test_nothing_is_sent_while_the_desk_is_staffed(
    factory: SessionFactory, admin: Actor, registry: Registry
) -> None:
    blog = _set_up(factory, admin, registry=registry)
    daytime = _post(factory, blog, "d1", "Alex Reader", at(0, 10))
    assert out_of_hours.run(factory, at(0, 10, 5), registry=registry) == []
    # Evening comes: a message posted while the desk was staffed is not acknowledged later.
    assert out_of_hours.run(factory, at(0, 19), registry=registry) == []
    assert _replies(factory, daytime) == []


def test_an_urgent_item_pages_the_on_call_supervisor_and_is_never_acknowledged(
    factory: SessionFactory, admin: Actor, supervisor: Actor, registry: Registry
) -> None:
    blog = _set_up(factory, admin, on_call="grace", registry=registry)
    urgent = _post(factory, blog, "u1", "Cara Vale", at(0, 21), URGENT_TEXT)
    with factory() as s:
        assert s.get_one(Item, urgent).risk_level == "urgent"

    events = out_of_hours.run(factory, at(0, 21, 5), registry=registry)
    assert events == [OnCallPaged(urgent, "Sgt Grace Okafor")]
    assert _replies(factory, urgent) == []
    [page] = out_of_hours.pages(factory)
    assert (page.item_id, page.to, page.item_status) == (urgent, "Sgt Grace Okafor", "new")
    # A page is nobody taking the item: the desktop's urgent alarm stays on.
    assert [a.item_id for a in risk_view.untaken_urgent(factory)] == [urgent]

    # Later that night the same person writes again: no "we are not monitoring" to them.
    later = _post(factory, blog, "u2", "Cara Vale", at(0, 23), "Are you there?")
    assert out_of_hours.run(factory, at(0, 23, 5), registry=registry) == []
    assert _replies(factory, later) == []
    assert len(out_of_hours.pages(factory)) == 1  # paged once, not on every tick


def test_without_an_on_call_supervisor_the_page_is_still_recorded(
    factory: SessionFactory, admin: Actor, registry: Registry
) -> None:
    blog = _set_up(factory, admin, registry=registry)
    urgent = _post(factory, blog, "u1", "Cara Vale", at(0, 21), URGENT_TEXT)
    assert out_of_hours.run(factory, at(0, 21, 5), registry=registry) == [OnCallPaged(urgent, None)]
    assert [p.to for p in out_of_hours.pages(factory)] == [None]


def test_the_acknowledgement_waits_for_review_when_the_policy_says_so(
    factory: SessionFactory, admin: Actor, supervisor: Actor, registry: Registry
) -> None:
    blog = _set_up(factory, admin, registry=registry)
    review_policy.set_policy(factory, admin, review_policy.ReviewPolicy(("supervisor",)))
    item = _post(factory, blog, "r1", "Alex Reader", at(0, 19))
    [event] = out_of_hours.run(factory, at(0, 19, 5), registry=registry)
    assert isinstance(event, OutOfHoursReplied) and event.state == "in_review"
    [(_body, state, _author)] = _replies(factory, item)
    assert state == "in_review"
    review.approve(factory, supervisor, event.reply_id, registry=registry)
    assert _replies(factory, item)[0][1] == "approved"


def test_a_channel_switched_off_gets_nothing_and_keeps_its_text(
    factory: SessionFactory, admin: Actor, registry: Registry
) -> None:
    blog = _set_up(factory, admin, registry=registry)
    out_of_hours_admin.set_ack(factory, admin, "Force blog", False, registry=registry)
    item = _post(factory, blog, "o1", "Alex Reader", at(0, 19))
    assert out_of_hours.run(factory, at(0, 19, 5), registry=registry) == []
    assert _replies(factory, item) == []
    ack = out_of_hours_admin.set_ack(
        factory, admin, "Force blog", True, registry=registry
    )  # no --text: kept
    assert (ack.on, ack.text) == (True, TEXT)


def _closed_around_now() -> StaffedHours:
    """Staffed every day but yesterday, today and tomorrow: the real clock is out of hours."""
    today = utcnow().astimezone(LONDON).date()
    closed = frozenset(today + timedelta(days=d) for d in (-1, 0, 1))
    return StaffedHours(parse_days("mon-sun"), time(8), time(18), LONDON, closed)


def _switched_on_an_hour_ago(factory: SessionFactory) -> None:
    """Channel connected and acknowledgement on an hour ago (the platform keeps whole seconds)."""
    key = workspace_settings.OUT_OF_HOURS_ACK.key
    with write_transaction(factory, None) as tx:
        tx.session.execute(update(Channel).values(created_at=utcnow() - timedelta(hours=1)))
        value = workspace_settings.value(tx.session, workspace_settings.OUT_OF_HOURS_ACK) or {}
        for ack in value["channels"].values():
            ack["since"] = (utcnow() - timedelta(hours=1)).isoformat()
        workspace_settings.put(tx, key, value)


def test_the_acknowledgement_goes_out_once_and_the_item_still_waits_for_a_person(
    factory: SessionFactory, admin: Actor, wp: FakeWordPress, wp_channel: int,
    sync_engine: SyncEngine, registry: Registry,
) -> None:  # fmt: skip
    # On the real clock: the outbox stamps sends with it, and must not count this one.
    out_of_hours_admin.set_hours(factory, admin, _closed_around_now())
    out_of_hours_admin.set_ack(factory, admin, "Force blog", True, TEXT, registry=registry)
    _switched_on_an_hour_ago(factory)
    comment = wp.add_comment(812, "Is anyone there?", "Helen Brennan", when=utcnow())
    sync_engine.sync_channel(wp_channel)
    assert len(out_of_hours.run(factory, registry=registry)) == 1

    assert [
        r.state for r in outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    ] == ["sent"]
    assert outbox.send_pending(factory, sync_engine.connector_for, registry=registry) == []
    ours = [c for c in wp.comments.values() if c["author"] == wp.me_id]
    assert len(ours) == 1 and ours[0]["parent"] == comment
    assert "Hello Helen. We are not monitoring" in ours[0]["content"]["raw"]
    with factory() as s:
        item = s.scalars(select(Item).where(Item.external_id == str(comment))).one()
        # An acknowledgement is not an answer: no first response, still unanswered.
        assert item.first_response_at is None
        assert s.scalar(select(Item.id).where(Item.id == item.id, unanswered_condition()))


def _tick(factory: SessionFactory, engine: Engine, *, registry: Registry) -> list[WorkerEvent]:
    events: list[WorkerEvent] = []
    w = Worker(factory, engine, registry, LONDON, events.append)
    w.tick(WorkerOptions(channels=["no channel is synced here"]), threading.Event())
    return events


def test_a_rerun_of_the_worker_tick_sends_no_second_acknowledgement(
    factory: SessionFactory, engine: Engine, admin: Actor, registry: Registry
) -> None:
    blog = add_channel(factory)
    out_of_hours_admin.set_hours(factory, admin, _closed_around_now())  # the worker's real clock
    out_of_hours_admin.set_ack(factory, admin, "Force blog", True, TEXT, registry=registry)
    # Held for review, so the outbox leaves it alone (this channel has no server behind it).
    review_policy.set_policy(factory, admin, review_policy.ReviewPolicy(("supervisor",)))
    item = add_item(factory, blog, "k1", "Hello?", received_at=utcnow() + timedelta(minutes=2))

    first = _tick(factory, engine, registry=registry)
    assert [type(e) for e in first] == [OutOfHoursReplied]
    assert _tick(factory, engine, registry=registry) == []  # the rerun: nothing more
    assert len(_replies(factory, item)) == 1

    # A second worker racing past the checks still meets the database's own refusal.
    with factory() as s:
        slot = s.scalars(select(OutOfHoursAck)).one()
        period, contact = slot.period_start, slot.contact_id
    with pytest.raises(IntegrityError), write_transaction(factory, None) as tx:
        tx.session.add(
            OutOfHoursAck(
                channel_id=blog, contact_id=contact, period_start=period, item_id=item,
                outcome="queued",
            )
        )  # fmt: skip


@pytest.mark.parametrize(
    "event",
    [OutOfHoursReplied(7, 12, "in_review"), OnCallPaged(8, "Sgt Grace Okafor"), OnCallPaged(9)],
)
def test_the_desktop_reads_the_new_worker_events_back(event: WorkerEvent) -> None:
    assert worker_events.from_json(worker_events.to_json(event)) == event
    assert event.text()
