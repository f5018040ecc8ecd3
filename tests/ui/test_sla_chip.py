"""Issue 11.4: the list's chip shows the nearest SLA deadline as a countdown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.desk.sla_timers import ItemTimers, Timer
from services.inbox.item_rows import ItemRow

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def row(*timers: Timer) -> ItemRow:
    return ItemRow(
        id=1, version=1, channel_id=1, channel_name="Force page", channel_kind="facebook",
        kind="comment", direction="inbound", author="Alex Reader", author_handle=None,
        snippet="my bike was stolen", received_at=NOW - timedelta(hours=3), status="open",
        snoozed_until=None, assignee=None, tags=(), escalated=False, needs_reply=True,
        first_response_at=None, priority=0, timers=ItemTimers(timers, "default"),
    )  # fmt: skip


def timer(name: str, state: str, due: datetime, at_risk: bool = False) -> Timer:
    return Timer(name, state, NOW - timedelta(hours=3), due, None, at_risk)


@pytest.mark.qt
def test_the_chip_counts_down_to_the_nearest_deadline(qapp: object) -> None:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    from ui.chips import item_chips, paint_chips, sla_chip
    from ui.theme import LIGHT, Tone

    soon = row(
        timer("resolution", "pending", NOW + timedelta(hours=20)),
        timer("first_response", "pending", NOW + timedelta(minutes=35), at_risk=True),
    )
    over = row(
        timer("first_response", "breached", NOW - timedelta(minutes=20)),
        timer("update", "breached", NOW - timedelta(hours=2)),
    )
    calm = row(timer("resolution", "pending", NOW + timedelta(hours=20)))
    waiting = row(timer("first_response", "paused", NOW + timedelta(hours=1)))
    chips = {name: sla_chip(r, NOW) for name, r in (("soon", soon), ("over", over),
             ("calm", calm), ("waiting", waiting))}  # fmt: skip
    assert chips["soon"] is not None and chips["soon"].text == "due in 35 min"
    assert chips["soon"].tone == Tone.WARNING
    assert chips["over"] is not None and chips["over"].text == "2 h over"  # the most overdue
    assert chips["over"].tone == Tone.DANGER and "Update was due" in chips["over"].tooltip
    assert chips["calm"] is not None and chips["calm"].text == "due in 20 h"
    assert chips["calm"].tone == Tone.NEUTRAL
    assert chips["waiting"] is not None and chips["waiting"].text == "paused"
    assert sla_chip(row(), NOW) is None

    image = QImage(260, 4 * 28, QImage.Format.Format_ARGB32)
    image.fill(QColor(LIGHT.chip(Tone.NEUTRAL).fill).lighter(110))
    painter = QPainter(image)
    for i, r in enumerate((soon, over, calm, waiting)):
        paint_chips(painter, QRectF(8, i * 28, 240, 28), item_chips(r, NOW), LIGHT, QFont())
    painter.end()
    image.save("/tmp/sla_chips.png")


@pytest.mark.qt
def test_the_desktop_list_shows_each_items_nearest_deadline_and_my_breach_notices(
    qtbot: object, make_window: object, demo_factory: object
) -> None:
    from collections.abc import Callable

    from PySide6.QtCore import Qt

    from services.desk import sla_notices, sla_policy
    from services.store.db import SessionFactory
    from services.workspace.users import find_user
    from tests.ui.conftest import settle
    from ui.main_window import MainWindow

    assert callable(make_window)
    factory: SessionFactory = demo_factory  # type: ignore[assignment]
    admin = find_user(factory, "r.lindqvist")
    sla_policy.change(factory, admin, lambda v: {**v, "target_hours": 2, "resolution_hours": 72})
    opener: Callable[[str], MainWindow] = make_window  # type: ignore[assignment]
    w = opener("g.okafor")  # a supervisor: sees every breach
    w.refresh_all()
    settle(qtbot, w)  # type: ignore[arg-type]
    shown: list[str] = []
    w.sla_notices.notified.connect(shown.append)
    sla_notices.sweep(factory, ZoneInfo("Europe/London"))
    w.sla_notices.check()
    settle(qtbot, w)  # type: ignore[arg-type]
    badges = [
        w.list.model().index(r, 6).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(12)
    ]
    assert any("over" in b for b in badges) and any("due in" in b for b in badges), badges
    w.list.grab().save("/tmp/sla_list.png")
    assert shown and all(t.startswith("SLA breached on #") for t in shown[:1]), shown
    w.grab().save("/tmp/sla_window.png")
