"""Issue 11.5: the on-call supervisor's desktop shows a page addressed to them; the worker's
out-of-hours lines read as sentences in the status bar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from services.channels.protocol import Registry
from services.store.db import SessionFactory

LONDON = ZoneInfo("Europe/London")
KNIFE = "There is a man with a knife outside my house right now trying to get in, please help"


@pytest.mark.qt
def test_a_page_for_the_on_call_supervisor_shows_on_their_window(
    qtbot: QtBot,
    make_window: Callable[..., object],
    demo_factory: SessionFactory,
    registry: Registry,
) -> None:
    from sqlalchemy import select

    from services.desk import out_of_hours, out_of_hours_admin
    from services.desk.staffed_hours import StaffedHours, parse_days
    from services.store.db import make_session_factory
    from services.store.models import Channel, utcnow
    from services.workspace.users import find_user
    from tests.builders import add_item
    from tests.ui.conftest import settle
    from ui.main_window import MainWindow

    admin = find_user(demo_factory, "r.lindqvist")
    today = utcnow().astimezone(LONDON).date()
    closed = frozenset(today + timedelta(days=d) for d in (-1, 0, 1))  # out of hours now
    hours = StaffedHours(parse_days("mon-sun"), time(8), time(18), LONDON, closed)
    out_of_hours_admin.set_hours(demo_factory, admin, hours)
    out_of_hours_admin.set_on_call(demo_factory, admin, "g.okafor")

    grace: MainWindow = make_window("g.okafor")  # type: ignore[assignment]
    dan: MainWindow = make_window("d.hughes")  # an officer: not on call
    seen: dict[str, list[str]] = {"grace": [], "dan": []}
    on_her_window: list[str] = []

    def shown_to_grace(text: str) -> None:
        seen["grace"].append(text)
        on_her_window.append(grace.status_label.text())  # as the notification is raised
        grace.grab().save("/tmp/on_call_page.png")

    grace.sla_notices.notified.connect(shown_to_grace)
    dan.sla_notices.notified.connect(seen["dan"].append)

    # The worker, another process: an urgent comment arrives and it pages the on-call person.
    worker = make_session_factory(demo_factory.kw["bind"])
    with worker() as s:
        blog = s.scalar(select(Channel.id).where(Channel.kind == "wordpress"))
    assert blog is not None
    soon = utcnow() + timedelta(minutes=2)  # after the demo channel was connected
    item = add_item(worker, blog, "knife-night", KNIFE, author="Jo Marsh", received_at=soon)
    paged = out_of_hours.run(worker, soon + timedelta(minutes=1), registry=registry)
    assert [p.to for p in paged] == ["Sgt Grace Okafor"]  # type: ignore[union-attr]

    for w in (grace, dan):
        w.poller.poll()
        settle(qtbot, w)
    expected = f"You are on call: URGENT item #{item} on"
    qtbot.waitUntil(lambda: any(t.startswith(expected) for t in seen["grace"]), timeout=5000)
    [page] = [t for t in on_her_window if t.startswith(expected)]
    assert "arrived out of hours (paged" in page
    assert grace.urgent_banner.isVisible()  # and nobody has taken it yet
    assert not any("on call" in t for t in seen["dan"])  # addressed to her alone

    # Shown once: a later change does not page her again.
    grace.sla_notices.check()
    settle(qtbot, grace)
    assert sum(t.startswith(expected) for t in seen["grace"]) == 1


@pytest.mark.qt
def test_the_worker_out_of_hours_events_read_as_lines_in_the_status_bar(
    qtbot: QtBot, demo_factory: SessionFactory, tmp_path: Path, registry: Registry
) -> None:
    from PySide6.QtCore import QSettings

    from services import worker_events
    from services.worker_events import OnCallPaged, OutOfHoursNotSent, OutOfHoursReplied
    from services.workspace.users import find_user
    from ui.app import build_window

    actor = find_user(demo_factory, "g.okafor")
    settings = QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat)
    # A desktop that runs its own worker; the lines are fed as the worker prints them.
    w = build_window(
        demo_factory, actor, LONDON, settings, worker_command=["front-counter"], registry=registry
    )
    qtbot.addWidget(w)
    assert w.sync is not None
    lines: list[str] = []
    w.sync.said.connect(lines.append)
    for event, shown in (
        (OutOfHoursReplied(7, 12, "approved"), "item #7: out-of-hours acknowledgement approved"),
        (OnCallPaged(8, "Sgt Grace Okafor"), "URGENT item #8 out of hours: paged Sgt Grace"),
        (OnCallPaged(9), "URGENT item #9 out of hours: no on-call supervisor is set"),
        (
            OutOfHoursNotSent(10, "Force Mastodon", "this Mastodon server allows 200"),
            "item #10: no out-of-hours acknowledgement on Force Mastodon",
        ),
    ):
        w.sync.feed_line(worker_events.to_json(event))
        assert lines[-1].startswith(shown), lines
        assert w.status_label.text() == lines[-1]
    assert len(lines) == 4
