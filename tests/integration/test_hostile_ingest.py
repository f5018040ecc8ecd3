"""One bad item never poisons a channel (issue 19, points 1 and 2), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels import quarantine
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.outside_text import unescape_raw
from services.channels.protocol import Batch, ChannelConfig, Registry, ReplyTarget, SentReply
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.store.models import Contact, Item, ItemKind
from services.store.models_channels import QuarantinedItem
from services.workspace.actor import Actor
from tests.fakes.feeds import FakeFeeds
from tests.fakes.wordpress import FakeWordPress

WHEN = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


def _items(factory: SessionFactory, channel_id: int) -> list[Item]:
    with factory() as s:
        return list(s.scalars(select(Item).where(Item.channel_id == channel_id).order_by(Item.id)))


def _contact_names(factory: SessionFactory, channel_id: int) -> set[str]:
    with factory() as s:
        return set(s.scalars(select(Contact.display_name).where(Contact.channel_id == channel_id)))


def test_overlong_name_and_nul_byte_do_not_cost_the_innocent_comment_beside_them(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> None:
    long_name = "Ranting Resident " + "x" * 400
    hostile = wp.add_comment(812, "before\x00after", long_name, html="<p>before\x00after</p>")
    innocent = wp.add_comment(812, "Thank you for the update", "Jo Bloggs")
    first = sync_engine.sync_channel(wp_channel)
    assert (first.state, first.inserted, first.reason) == ("ok", 2, None)
    stored = {i.external_id: i for i in _items(factory, wp_channel)}
    assert set(stored) == {str(hostile), str(innocent)}
    assert "\x00" not in stored[str(hostile)].body_text
    assert "beforeafter" in stored[str(hostile)].body_text
    names = _contact_names(factory, wp_channel)
    cut = next(n for n in names if n.startswith("Ranting"))
    assert len(cut) == 300 and cut.endswith("…") and "Jo Bloggs" in names
    # The raw payload keeps exactly what the platform sent, NUL included.
    raw = unescape_raw(stored[str(hostile)].raw)
    assert raw["author_name"] == long_name and raw["content"]["raw"] == "before\x00after"
    # And the next run is a normal run, not the same failure again.
    wp.add_comment(812, "A later comment")
    again = sync_engine.sync_channel(wp_channel)
    assert (again.state, again.inserted) == ("ok", 1)


def test_invisible_characters_cannot_make_one_name_pass_for_another(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> None:
    cid = wp.add_comment(812, "Trust me", "Sup\u200ber\u200bvisor \u202eHQ\u2066")
    assert sync_engine.sync_channel(wp_channel).state == "ok"
    assert _contact_names(factory, wp_channel) == {"Supervisor HQ"}
    [item] = _items(factory, wp_channel)
    assert unescape_raw(item.raw)["author_name"] == "Sup\u200ber\u200bvisor \u202eHQ\u2066"
    assert item.external_id == str(cid)


def test_a_feed_repeating_one_guid_keeps_the_later_copy_once(
    factory: SessionFactory, admin: Actor, feeds: FakeFeeds, sync_engine: SyncEngine
) -> None:
    ch = channels_admin.add_channel(
        factory, admin, "feed", "Repeats", {"url": feeds.url("/repeat")}
    ).id
    result = sync_engine.sync_channel(ch)
    assert (result.state, result.inserted, result.reason) == ("ok", 2, None)
    by_id = {i.external_id: i for i in _items(factory, ch)}
    assert set(by_id) == {"same-1", "other-2"}
    assert "new words" in by_id["same-1"].body_text and "old" not in by_id["same-1"].body_text
    feeds.etag = '"v2"'  # the feed is served again in full: still fine
    feeds.last_modified = "Tue, 24 Nov 2026 09:00:00 GMT"
    again = sync_engine.sync_channel(ch)
    assert (again.state, again.inserted, again.updated) == ("ok", 0, 0)


# ---- quarantine --------------------------------------------------------------------------


def _incoming(external_id: str, when: datetime = WHEN, name: str = "Ann") -> Incoming:
    return Incoming(
        external_id=external_id,
        kind=ItemKind.COMMENT,
        created_at=when,
        author=Author(name.lower(), name),
        thread=ThreadRef("post-1", "A post"),
        body_text=f"words of {external_id}",
        raw={"id": external_id},
    )


class _Scripted:
    """A connector that returns the pages a test sets: the platform under the test's control."""

    kind: ClassVar[str] = "scripted"
    moderation_actions: ClassVar[tuple[str, ...]] = ()
    can_reply: ClassVar[bool] = False

    def __init__(self, pages: list[list[Incoming]]) -> None:
        self._pages = pages

    def test(self) -> str:
        return "scripted"

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        for page in self._pages:
            yield Batch(page)
        yield Batch([], cursor={"runs": int(cursor.get("runs", 0)) + 1})

    def reconcile(self, known: dict[str, str]) -> list[Any]:
        return []

    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        raise AssertionError("read-only")

    def find_reply(self, target: ReplyTarget, body: str) -> SentReply | None:
        return None

    def moderate(self, external_id: str, action: str) -> str:
        raise AssertionError("read-only")

    def close(self) -> None:
        pass


class _Platform:
    def __init__(self) -> None:
        self.pages: list[list[Incoming]] = []
        platform = self

        class Bound(_Scripted):
            @classmethod
            def create(cls, cfg: ChannelConfig, client: httpx.Client | None = None) -> _Scripted:
                return _Scripted(platform.pages)

        self.registry = Registry()
        self.registry.register(Bound)


@pytest.fixture
def platform() -> _Platform:
    return _Platform()


@pytest.fixture
def scripted(factory: SessionFactory, admin: Actor) -> int:
    return channels_admin.add_channel(factory, admin, "scripted", "Scripted", {}).id


def test_an_item_that_cannot_be_stored_waits_in_quarantine_and_the_rest_arrives(
    factory: SessionFactory, platform: _Platform, scripted: int
) -> None:
    engine = SyncEngine(factory, platform.registry)
    naive = datetime(2026, 11, 22, 18, 0)  # a connector bug: no time zone
    platform.pages = [[_incoming("good-1"), _incoming("bad-2", naive), _incoming("good-3")]]
    first = engine.sync_channel(scripted)
    assert (first.state, first.inserted) == ("ok", 2)
    assert first.reason is not None and "1 item could not be stored" in first.reason
    assert "channel quarantine Scripted" in first.reason
    assert {i.external_id for i in _items(factory, scripted)} == {"good-1", "good-3"}
    [held] = quarantine.list_quarantined(factory, "Scripted")
    assert held.external_id == "bad-2" and held.attempts == 1
    assert "naive datetime refused" in held.reason
    assert channels_admin.find_channel(factory, "Scripted").quarantined == 1
    assert channels_admin.find_channel(factory, "Scripted").state_reason == first.reason

    second = engine.sync_channel(scripted)  # sent again and still bad: one more attempt, once
    assert second.state == "ok" and "1 item could not be stored" in (second.reason or "")
    assert quarantine.list_quarantined(factory, "Scripted")[0].attempts == 2

    platform.pages = [[_incoming("bad-2")]]  # the platform now sends it right
    third = engine.sync_channel(scripted)
    assert (third.state, third.inserted, third.reason) == ("ok", 1, None)
    assert quarantine.list_quarantined(factory, "Scripted") == []
    assert channels_admin.find_channel(factory, "Scripted").quarantined == 0


def test_a_quarantined_item_is_retried_on_the_next_run_and_leaves_when_it_stores(
    factory: SessionFactory, platform: _Platform, scripted: int
) -> None:
    # Left by a release that could not store it; this release can (its name is cut to fit).
    left = _incoming("old-9", name="N\x00" + "o" * 500)
    with factory() as s, s.begin():
        s.add(
            QuarantinedItem(
                channel_id=scripted,
                external_id="old-9",
                reason="DataError: value too long for type character varying(300)",
                payload=quarantine.to_payload(left),
                first_seen_at=WHEN,
                last_seen_at=WHEN,
                attempts=3,
            )
        )
    assert channels_admin.find_channel(factory, "Scripted").quarantined == 1
    result = SyncEngine(factory, platform.registry).sync_channel(scripted)
    assert (result.state, result.inserted, result.reason) == ("ok", 1, None)
    [item] = _items(factory, scripted)
    assert item.external_id == "old-9" and unescape_raw(item.raw) == {"id": "old-9"}
    assert quarantine.list_quarantined(factory, "Scripted") == []
    [name] = _contact_names(factory, scripted)
    assert len(name) == 300 and "\x00" not in name


def test_quarantine_payload_is_lossless(factory: SessionFactory, scripted: int) -> None:
    hostile = Incoming(
        external_id="id\x00" + "9" * 600,
        kind=ItemKind.COMMENT,
        created_at=WHEN,
        author=Author("a\x00b", "Sup\u200bervisor"),
        thread=None,
        body_text="nul\x00 and a lone \ud800 surrogate",
        raw={"k\x00ey": ["v\x00", {"$fc_escaped": "looks like ours"}], "n": 1},
    )
    with factory() as s, s.begin():
        s.add(
            QuarantinedItem(
                channel_id=scripted,
                external_id="x",
                reason="test",
                payload=quarantine.to_payload(hostile),
                first_seen_at=WHEN,
                last_seen_at=WHEN,
            )
        )
    with factory() as s:
        payload = s.scalars(select(QuarantinedItem.payload)).one()
    assert quarantine.from_payload(payload) == hostile
    assert quarantine.from_payload(payload).raw == hostile.raw


def _cli(db_url: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONT_COUNTER")}
    env.update(FRONT_COUNTER_DB=db_url, FRONT_COUNTER_USER="ruth")
    done = subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_command_line_shows_the_quarantine_count_and_the_reasons(
    db_url: str, factory: SessionFactory, platform: _Platform, scripted: int
) -> None:
    platform.pages = [[_incoming("good-1"), _incoming("bad-2", datetime(2026, 11, 22))]]
    SyncEngine(factory, platform.registry).sync_channel(scripted)
    header, row = _cli(db_url, "channel", "list").splitlines()[:2]
    assert "QUARANTINED" in header
    assert row.split()[:5] == ["Scripted", "scripted", "ok", "now", "1"]
    assert "1 item could not be stored and wait in quarantine" in row
    shown = _cli(db_url, "channel", "quarantine", "Scripted")
    assert "bad-2" in shown and "naive datetime refused" in shown and "ATTEMPTS" in shown
