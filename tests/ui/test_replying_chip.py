"""Nobody replies twice (issue 11.6) in the list: a row someone else is replying to carries
"✎ PC Hughes", live from another desktop's presence, and loses it when they leave."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from services.desk import presence
from services.store.db import SessionFactory, make_session_factory
from services.workspace.users import find_user


def _chip_texts(window: object, row: int) -> list[str]:
    from ui.models.inbox_model import COL_BADGE, InboxModel

    model = window.inbox.model  # type: ignore[attr-defined]
    chips = model.index(row, COL_BADGE).data(InboxModel.ChipsRole)
    return [c.text for c in chips or []]


@pytest.mark.qt
def test_a_colleague_opening_the_composer_puts_a_replying_chip_on_the_row(
    qtbot: QtBot, demo_factory: SessionFactory, make_window: Callable[..., object]
) -> None:
    from PySide6.QtCore import Qt

    from tests.ui.conftest import save_shot
    from ui.models.inbox_model import COL_BADGE

    w = make_window("r.lindqvist")
    model = w.inbox.model  # type: ignore[attr-defined]
    row = 1  # not the open item: the chip is for the list, not only the composer
    item = model.item_id(row)
    assert item is not None
    assert not any(t.startswith("✎") for t in _chip_texts(w, row))

    colleague = make_session_factory(demo_factory.kw["bind"])  # another desktop
    hughes = find_user(colleague, "d.hughes")
    label = presence.signed_name(hughes.display_name, hughes.collar_number)
    presence.start(colleague, hughes, item)
    w.poller.poll()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: any(t.startswith("✎") for t in _chip_texts(w, row)), timeout=5_000)
    (chip_text,) = [t for t in _chip_texts(w, row) if t.startswith("✎")]
    assert label == "PC 4521 Dan Hughes" and chip_text == "✎ PC Hughes"
    spoken = model.index(row, COL_BADGE).data(Qt.ItemDataRole.AccessibleTextRole)
    assert f"{label} is replying" in spoken
    tooltip = model.index(row, COL_BADGE).data(Qt.ItemDataRole.ToolTipRole)
    assert f"{label} is replying" in tooltip
    # The other rows stay as they were.
    assert not any(t.startswith("✎") for t in _chip_texts(w, 0))
    w.list.viewport().repaint()  # type: ignore[attr-defined]
    save_shot(w.list, "list-someone-replying.png")  # type: ignore[attr-defined]

    presence.stop(colleague, hughes, item)
    w.poller.poll()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not any(t.startswith("✎") for t in _chip_texts(w, row)), timeout=5_000)


@pytest.mark.qt
def test_my_own_composer_puts_no_chip_on_my_list(
    qtbot: QtBot, demo_factory: SessionFactory, make_window: Callable[..., object]
) -> None:
    w = make_window("d.hughes")
    model = w.inbox.model  # type: ignore[attr-defined]
    mine, theirs = model.item_id(1), model.item_id(2)
    elsewhere = make_session_factory(demo_factory.kw["bind"])
    presence.start(elsewhere, find_user(elsewhere, "d.hughes"), mine)  # my other desktop
    presence.start(elsewhere, find_user(elsewhere, "a.moran"), theirs)
    w.poller.poll()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: any(t.startswith("✎") for t in _chip_texts(w, 2)), timeout=5_000)
    assert not any(t.startswith("✎") for t in _chip_texts(w, 1))
