"""Live across desktops on PostgreSQL: the listener survives a dropped connection, urgent
items and "is replying" travel over NOTIFY, and a person's own login may announce presence."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from services.desk import presence, risk_view
from services.store.db import SessionFactory, make_engine, make_session_factory, origin_of, upgrade
from services.store.models import Role
from services.workspace import change_feed
from services.workspace.actor import Actor
from services.workspace.change_feed import ChangeListener
from services.workspace.changes import ChangeKind
from services.workspace.users import add_first_admin, add_user, resolve_actor
from tests.builders import add_channel, add_item, wordpress_channel
from tests.conftest import PG_ADMIN_URL, _truncate_pg
from tests.fakes.wordpress import FakeWordPress
from tests.team_db import team_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg(pg_database: str) -> Iterator[SessionFactory]:
    engine = make_engine(pg_database)
    _truncate_pg(engine)
    yield make_session_factory(engine)
    engine.dispose()


def _kill(pid: int) -> None:
    """What a DBA (or a server restart) does to the desktop's LISTEN connection."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    admin.dispose()


def test_the_listener_listens_again_after_its_connection_is_killed(pg: SessionFactory) -> None:
    admin = resolve_actor(pg, "ruth")
    officer = add_user(pg, admin, "dan", Role.OFFICER, "PC Dan Hughes", "4521")
    item = add_item(pg, add_channel(pg), "c-1", "Is anyone there?")
    desktop = make_session_factory(pg.kw["bind"])
    heard, lost, regained = threading.Event(), threading.Event(), threading.Event()
    reasons: list[str] = []

    def on_lost(why: str) -> None:
        reasons.append(why)
        lost.set()

    listener = ChangeListener(
        desktop.kw["bind"], origin_of(desktop), heard.set, on_lost, regained.set
    )
    assert listener.start()
    try:
        assert listener.backend_pid is not None
        _kill(listener.backend_pid)
        assert lost.wait(10), "the listener did not notice its connection was gone"
        assert "stopped listening" in reasons[0]
        assert regained.wait(30), "the listener did not connect again"
        presence.start(pg, officer, item)  # any committed change from another desktop
        assert heard.wait(10), "no notification after reconnecting"
    finally:
        listener.stop()


def test_an_urgent_item_the_worker_stores_reaches_another_desktop_over_notify(
    pg: SessionFactory, wp: FakeWordPress
) -> None:
    admin = resolve_actor(pg, "ruth")
    wordpress_channel(pg, admin, wp)
    wp.add_comment(812, "He is outside my door right now with a knife, please help me")
    desktop = make_session_factory(pg.kw["bind"])
    start = change_feed.latest_id(desktop)
    heard = threading.Event()
    listener = ChangeListener(desktop.kw["bind"], origin_of(desktop), heard.set)
    assert listener.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FRONT_COUNTER")}
        worker = subprocess.run(
            [sys.executable, "-m", "console", "--db", str(pg.kw["bind"].url.render_as_string(
                hide_password=False)), "--user", "ruth", "sync"],
            capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
        )  # fmt: skip
        assert worker.returncode == 0, worker.stderr
        assert heard.wait(10), "the worker's commit was not announced"
    finally:
        listener.stop()
    _, changes = change_feed.since(desktop, start)
    assert ChangeKind.RISK in changes.kinds
    urgent = risk_view.untaken_urgent(desktop)
    assert [a.item_id for a in urgent] and set(a.item_id for a in urgent) <= changes.item_ids


def test_a_persons_own_login_announces_and_reads_presence() -> None:
    for db in team_database():
        owner = db.factory(db.owner)
        upgrade(owner.kw["bind"])
        ruth, dan, grace = (db.login(p) for p in ("ruth", "dan", "grace"))
        add_first_admin(owner, ruth, "pw")
        admin: Actor = resolve_actor(db.factory(ruth), ruth)
        add_user(db.factory(ruth), admin, dan, Role.OFFICER, "PC Dan Hughes", "4521", "pw")
        add_user(db.factory(ruth), admin, grace, Role.SUPERVISOR, password="pw")
        item = add_item(owner, add_channel(owner), "c-1", "When will someone call me back?")
        as_dan, as_grace = db.factory(dan), db.factory(grace)
        officer = resolve_actor(as_dan, dan)
        presence.start(as_dan, officer, item)
        seen = presence.who_is_replying(as_grace, item, besides=resolve_actor(as_grace, grace).id)
        assert [r.label for r in seen] == ["PC 4521 Dan Hughes"]
        presence.stop(as_dan, officer, item)
        assert presence.who_is_replying(as_grace, item) == []
        for f in (owner, as_dan, as_grace):
            f.kw["bind"].dispose()
