"""Out of hours on a team PostgreSQL: the worker's own login queues the acknowledgement and pages.

The worker's login may not release a person's reply (four eyes, enforced by the
database); it may release the acknowledgement the automatic author writes, which
an admin wrote and switched on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from services.channels.protocol import Registry
from services.desk import out_of_hours, out_of_hours_admin
from services.desk.staffed_hours import StaffedHours, parse_days
from services.records import audit
from services.store import roles
from services.store.db import upgrade
from services.store.models import Reply, Role, utcnow
from services.worker_events import OnCallPaged, OutOfHoursReplied
from services.workspace.users import add_first_admin, add_user, resolve_actor
from tests.builders import add_channel, add_item
from tests.team_db import TeamDatabase, team_database

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def team() -> Iterator[tuple[TeamDatabase, str, str]]:
    for db in team_database():
        owner = db.factory(db.owner)
        upgrade(owner.kw["bind"])
        ruth, grace, worker = (db.login(p) for p in ("ruth", "grace", "worker"))
        add_first_admin(owner, ruth, "pw")
        with owner.begin() as s:
            roles.create_member_login(s.connection(), worker, roles.WORKER, "pw")
        admin = resolve_actor(db.factory(ruth), ruth)
        add_user(db.factory(ruth), admin, grace, Role.SUPERVISOR, "Sgt Grace Okafor", password="pw")
        yield db, ruth, worker
        owner.kw["bind"].dispose()


def _evening() -> datetime:
    day = (utcnow() + timedelta(days=7)).astimezone(LONDON).date()
    day += timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday
    return datetime.combine(day, time(19), LONDON).astimezone(UTC)


def test_the_workers_login_queues_the_acknowledgement_and_pages(
    team: tuple[TeamDatabase, str, str],
    registry: Registry,
) -> None:
    db, ruth, worker_login = team
    admin_f, worker = db.factory(ruth), db.factory(worker_login)
    admin = resolve_actor(admin_f, ruth)
    hours = StaffedHours(parse_days("mon-fri"), time(8), time(18), LONDON)
    channel = add_channel(admin_f, "Team blog")
    out_of_hours_admin.set_hours(admin_f, admin, hours)
    out_of_hours_admin.set_ack(
        admin_f, admin, "Team blog", True, "We are closed, {name}.", registry=registry
    )
    out_of_hours_admin.set_on_call(admin_f, admin, db.login("grace"))
    evening = _evening()
    plain = add_item(worker, channel, "t1", "Hello?", author="Alex Reader", received_at=evening)
    urgent = add_item(
        worker, channel, "t2", "Someone is breaking in right now, I'm hiding upstairs",
        author="Cara Vale", received_at=evening,
    )  # fmt: skip

    events = out_of_hours.run(worker, evening + timedelta(minutes=5), registry=registry)

    assert OnCallPaged(urgent, "Sgt Grace Okafor") in events
    replied = [e for e in events if isinstance(e, OutOfHoursReplied)]
    assert [(e.item_id, e.state) for e in replied] == [(plain, "approved")]
    assert audit.verify_chain(worker).ok
    # The exception is the automatic author's only: a person's reply is still refused.
    with pytest.raises(DBAPIError) as exc, worker.begin() as s:
        author = s.scalar(select(Reply.author_id).where(Reply.item_id == plain))
        assert author is not None
        s.execute(
            text(
                "INSERT INTO reply (item_id, author_id, body, state, attempts, created_at, "
                "updated_at, version) SELECT :item, id, 'forged', 'approved', 0, now(), now(), 1 "
                "FROM user_account WHERE name = :ruth"
            ),
            {"item": plain, "ruth": ruth},
        )
    assert getattr(exc.value.orig, "sqlstate", None) == "42501"
