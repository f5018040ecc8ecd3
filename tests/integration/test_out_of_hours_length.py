"""Issue 11.5: the acknowledgement fits the channel for everyone it may go to.

Checked when it is set, on the text filled with the longest plausible values; the person's
own values are cut to those lengths when it is sent; what changed since (a Mastodon server's
lower limit) is caught before queueing, and the worker says so instead of sending.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from services import worker_events
from services.channels.protocol import Registry
from services.desk import out_of_hours, out_of_hours_admin
from services.desk.staffed_hours import StaffedHours, parse_days
from services.errors import InvalidInput
from services.store.db import SessionFactory
from services.store.models import Channel, Reply, utcnow
from services.store.models_out_of_hours import OutOfHoursAck
from services.worker_events import OutOfHoursNotSent, OutOfHoursReplied
from services.workspace.actor import Actor
from services.workspace.unit_of_work import write_transaction
from tests.builders import add_channel, add_item

LONDON = ZoneInfo("Europe/London")
# 238 characters as written; with a 30-character first name, 262: fits X's 280 either way.
FITS = "Hello {name}. " + "We are not monitoring this page right now. " * 5 + "Call 999."
# 271 as written (under 280), but 295 once {name} is a 30-character first name.
TOO_LONG = FITS + " Otherwise call 101 or go online."
LONG_NAME = "Bartholomew-Maximilian-Alexander Fitzgerald"


def _evening() -> datetime:
    day = (utcnow() + timedelta(days=7)).astimezone(LONDON).date()
    day += timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday
    return datetime.combine(day, time(19), LONDON).astimezone(UTC)


def _hours(factory: SessionFactory, admin: Actor) -> None:
    hours = StaffedHours(parse_days("mon-fri"), time(8), time(18), LONDON)
    out_of_hours_admin.set_hours(factory, admin, hours)


def test_a_text_that_fits_only_as_written_is_refused_when_set(
    factory: SessionFactory, admin: Actor, registry: Registry
) -> None:
    add_channel(factory, "Force X", kind="x")
    _hours(factory, admin)
    assert registry.text_length("x", TOO_LONG) <= 280  # the old check, as written, let it through
    with pytest.raises(InvalidInput) as refused:
        out_of_hours_admin.set_ack(factory, admin, "Force X", True, TOO_LONG, registry=registry)
    said = str(refused.value)
    assert "{name} 30" in said and "280" in said and "shorten it by 15" in said, said

    ack = out_of_hours_admin.set_ack(factory, admin, "Force X", True, FITS, registry=registry)
    assert ack.on and ack.text == FITS


def test_a_placeholder_nobody_fills_is_refused(
    factory: SessionFactory, admin: Actor, registry: Registry
) -> None:
    add_channel(factory)
    _hours(factory, admin)
    with pytest.raises(InvalidInput, match=r"nobody fills \{first_name\}"):
        out_of_hours_admin.set_ack(
            factory, admin, "Force blog", True, "Hi {first_name}, call 999", registry=registry
        )


def test_a_long_name_is_cut_so_the_text_still_fits(
    factory: SessionFactory, admin: Actor, registry: Registry
) -> None:
    x = add_channel(factory, "Force X", kind="x")
    _hours(factory, admin)
    out_of_hours_admin.set_ack(factory, admin, "Force X", True, FITS, registry=registry)
    evening = _evening()
    item = add_item(factory, x, "t1", "hello?", author=LONG_NAME, received_at=evening)
    [event] = out_of_hours.run(factory, evening + timedelta(minutes=5), registry=registry)
    assert isinstance(event, OutOfHoursReplied)
    with factory() as s:
        body = s.scalars(select(Reply.body).where(Reply.item_id == item)).one()
    # Cut to 30 as X counts it (the ellipsis weighs 2 there).
    assert body.startswith("Hello Bartholomew-Maximilian-Alexa…. We are not monitoring"), body
    assert registry.text_length("x", body) <= 280


def test_a_text_that_no_longer_fits_is_not_sent_and_the_worker_says_why(
    factory: SessionFactory, admin: Actor, registry: Registry
) -> None:
    toots = add_channel(factory, "Force Mastodon", kind="mastodon")
    _hours(factory, admin)
    out_of_hours_admin.set_ack(
        factory, admin, "Force Mastodon", True, FITS, registry=registry
    )  # 500 allowed
    # The server's limit, as the next sync reads it, is 200 now.
    with write_transaction(factory, None) as tx:
        tx.session.execute(
            update(Channel).where(Channel.id == toots).values(cursor={"max_characters": 200})
        )
    evening = _evening()
    item = add_item(factory, toots, "m1", "hello?", author="Alex Reader", received_at=evening)
    [event] = out_of_hours.run(factory, evening + timedelta(minutes=5), registry=registry)

    assert isinstance(event, OutOfHoursNotSent)
    line = event.text() or ""
    assert "no out-of-hours acknowledgement on Force Mastodon" in line
    assert "this Mastodon server allows 200" in line and "hours ack" in line, line
    assert worker_events.from_json(worker_events.to_json(event)) == event
    with factory() as s:
        assert s.scalars(select(Reply).where(Reply.item_id == item)).all() == []
        assert s.scalars(select(OutOfHoursAck.outcome)).all() == ["too_long"]
    # Said once: the next tick does not say it again for the same person that night.
    assert out_of_hours.run(factory, evening + timedelta(minutes=10), registry=registry) == []
