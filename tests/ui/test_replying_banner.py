"""Nobody replies twice (issue 11.6): "… is replying" seen live from another desktop's process,
and replies already on their way shown at the top of the composer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from services import demo
from services.answers import replies
from services.channels.protocol import Registry
from services.desk import presence
from services.store.db import SessionFactory, make_engine, make_session_factory
from services.workspace.users import find_user, resolve_actor
from tests.ui.conftest import save_shot, settle

ROOT = Path(__file__).resolve().parents[2]
# The bound on "live": from the other desktop's commit to the banner on this one.
LIVE_MS = 2000


@pytest.fixture
def desk(db_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    resolve_actor(factory, "r.lindqvist")
    demo.load(factory)
    yield factory
    engine.dispose()


@pytest.fixture
def open_window(
    qtbot: QtBot, desk: SessionFactory, tmp_path: Path, registry: Registry
) -> Iterator[Callable[[str], Any]]:
    """Main windows on `desk`, live (polling, and listening on PostgreSQL), shut down cleanly."""
    from PySide6.QtCore import QSettings

    from ui.app import build_window
    from ui.change_poller import LISTENING_POLL_MS

    windows: list[Any] = []

    def make(user: str = "d.hughes") -> Any:
        settings = QSettings(str(tmp_path / f"{user}.ini"), QSettings.Format.IniFormat)
        w = build_window(
            desk, find_user(desk, user), ZoneInfo("Europe/London"), settings, registry=registry
        )
        qtbot.addWidget(w)
        windows.append(w)
        w.resize(1280, 800)
        w.show()
        qtbot.waitExposed(w)
        w.start()
        settle(qtbot, w)
        if w.poller.listener is not None:  # PostgreSQL: live means NOTIFY, not the slow timer
            qtbot.waitUntil(lambda: w.poller.timer.interval() == LISTENING_POLL_MS, timeout=15_000)
        if w.inbox.current_id() is None:
            w.inbox.move(1)
            settle(qtbot, w)
        assert w.inbox.current_id() is not None
        return w

    yield make
    for w in windows:
        w.close()
        settle(qtbot, w)


def _url(factory: SessionFactory) -> str:
    return str(factory.kw["bind"].url.render_as_string(hide_password=False))


@pytest.mark.qt
def test_another_desktops_replier_shows_on_the_item_within_two_seconds(
    qtbot: QtBot, desk: SessionFactory, open_window: Callable[[str], Any]
) -> None:
    w = open_window("d.hughes")
    banner = w.composer.watch.replying
    item = w.inbox.current_id()
    assert item is not None and banner.isHidden()
    moran = find_user(desk, "a.moran")
    expected = presence.signed_name(moran.display_name, moran.collar_number)
    other = subprocess.Popen(
        [sys.executable, "-m", "tests.other_desktop", _url(desk), "a.moran", str(item)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert other.stdin is not None and other.stdout is not None
    try:
        assert other.stdout.readline().strip() == "replying"
        qtbot.waitUntil(banner.isVisible, timeout=LIVE_MS)
        assert f"{expected} is replying</b>" in banner.text()
        save_shot(w.composer, "composer-someone-replying.png")
        other.stdin.write("\n")
        other.stdin.flush()
        assert other.stdout.readline().strip() == "left"
        qtbot.waitUntil(banner.isHidden, timeout=LIVE_MS)
    finally:
        other.stdin.close()
        other.wait(30)
    assert other.returncode == 0


@pytest.mark.qt
def test_opening_my_composer_tells_the_others_and_leaving_the_item_ends_it(
    qtbot: QtBot, desk: SessionFactory, open_window: Callable[[str], Any]
) -> None:
    w = open_window("d.hughes")
    item = w.inbox.current_id()
    assert item is not None
    elsewhere = make_session_factory(desk.kw["bind"])
    moran = find_user(desk, "a.moran")
    w.activateWindow()
    w.composer.focus_editor()
    qtbot.waitUntil(lambda: bool(presence.who_is_replying(elsewhere, item, besides=moran.id)))
    seen = presence.who_is_replying(elsewhere, item, besides=moran.id)
    assert [r.name for r in seen] == ["d.hughes"]
    # Nobody warns me of myself.
    assert w.composer.watch.replying.isHidden()
    w.list.setFocus()
    w.inbox.move(1)
    qtbot.waitUntil(lambda: not presence.who_is_replying(elsewhere, item))


@pytest.mark.qt
def test_a_reply_waiting_for_review_shows_at_the_top_of_the_composer(
    qtbot: QtBot, desk: SessionFactory, open_window: Callable[[str], Any], registry: Registry
) -> None:
    w = open_window("d.hughes")
    item = w.inbox.current_id()
    assert item is not None
    pending = w.composer.watch.pending
    assert pending.isHidden()
    colleague = make_session_factory(desk.kw["bind"])  # another desktop: the poller hears it
    moran = find_user(colleague, "a.moran")
    draft = replies.save_draft(
        colleague, moran, item, "Thanks for letting us know. PC Moran.", registry=registry
    )
    replies.submit(colleague, moran, draft.reply_id, registry=registry)
    w.poller.poll()
    qtbot.waitUntil(pending.isVisible, timeout=10_000)
    assert f"Reply #{draft.reply_id} by {moran.display_name}" in pending.text()
    assert "waiting for review" in pending.text()
    # At the top: above the editor, not only at the bottom of the thread.
    assert pending.mapTo(w.composer, pending.rect().topLeft()).y() < w.composer.editor.y()
    save_shot(w.composer, "composer-reply-pending.png")
