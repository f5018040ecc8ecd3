"""Changes made by another desktop or the worker appear without losing selection or scroll."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.ingest import upsert
from services.inbox import item_rows
from services.inbox import listing as inbox
from services.store.db import make_session_factory
from services.store.models import Channel, ItemKind, utcnow
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction
from tests.ui.conftest import settle
from ui.main_window import MainWindow


def test_other_desktop_and_new_items_show_up_keeping_selection(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window("d.hughes", live=True)
    f = w._ctx.factory
    w.inbox.move(3)
    settle(qtbot, w)
    selected = w.inbox.current_id()
    other = w.inbox.model.ids[5]
    # Another desktop (a separate process) tags an item.
    db = f.kw["bind"].url.database
    env = {**os.environ, "FRONT_COUNTER_DB": db, "FRONT_COUNTER_USER": "a.moran"}
    subprocess.run(
        [sys.executable, "-m", "console", "tag", "seen-elsewhere", str(other)],
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
    )
    # The sync worker (its own process: its own session factory) adds a new item.
    with write_transaction(make_session_factory(f.kw["bind"]), None) as tx:
        channel_id = tx.session.query(Channel.id).filter(Channel.kind == "mastodon").scalar()
        new_id = upsert(
            tx.session,
            channel_id,
            [
                Incoming(
                    "live-1",
                    ItemKind.MENTION,
                    utcnow(),
                    Author("77", "New Person"),
                    ThreadRef("masto-post"),
                    body_text="just arrived",
                )
            ],
            tx.now,
        ).inserted[0]
        tx.touched(ChangeKind.ITEMS, new_id)

    def shows_both() -> bool:
        row = w.inbox.model.row_at(w.inbox.model.row_of(other))
        return new_id in w.inbox.model.ids and row is not None and "seen-elsewhere" in row.tags

    qtbot.waitUntil(shows_both, timeout=2000)  # the promise: within two seconds
    assert w.inbox.current_id() == selected
    assert list(w.inbox.model.ids) == list(
        inbox.item_ids(f, inbox.Query("is:inbox", w._ctx.actor.id))
    )


def test_done_items_leave_the_list_in_place_without_recomputing_it(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    from services.inbox import triage
    from services.store.models import Status

    w = make_window("d.hughes")
    f = w._ctx.factory
    before = list(w.inbox.model.ids)
    w.inbox.select_item(before[2])
    settle(qtbot, w)
    status_above = item_rows.rows(f, [before[1]])[0].status
    assert status_above == "new"  # the demo's second-newest item is unread
    calls: list[str] = []
    real_item_ids = inbox.item_ids
    import services.inbox.listing as inbox_module

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append("item_ids")
        return real_item_ids(*args, **kwargs)

    inbox_module.item_ids = counting  # type: ignore[assignment]
    try:
        changes = triage.set_status(f, w._ctx.actor, [before[2]], Status.DONE)
        w.apply_changes(changes)
        settle(qtbot, w)
    finally:
        inbox_module.item_ids = real_item_ids  # type: ignore[assignment]
    assert list(w.inbox.model.ids) == before[:2] + before[3:]
    assert calls == []  # removed in place: the whole list was not fetched again
    assert w.inbox.current_id() == before[3]  # the cursor moved to the next item
    assert w.pane.conversation is not None and w.pane.conversation.item.id == before[3]
    # The row above was not "opened".
    assert item_rows.rows(f, [before[1]])[0].status == status_above
