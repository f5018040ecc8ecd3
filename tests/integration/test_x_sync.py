"""X mentions, replies and direct messages through the fake API v2: paging, edits, deletions, limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.store.models import Channel, Contact, Direction, Item, ItemKind, Thread
from services.workspace.actor import Actor
from tests.fakes.x import FakeX


@pytest.fixture
def xfake() -> Iterator[FakeX]:
    fake = FakeX(page_size=2).start()  # small pages: every list needs its next_token
    yield fake
    fake.stop()


def connect(factory: SessionFactory, admin: Actor, fake: FakeX, name: str = "Force X") -> int:
    """A channel as `channel add x --api-url URL --secret-stdin` makes it."""
    return channels_admin.add_channel(factory, admin, "x", name, {"url": fake.url}, fake.token).id


@pytest.fixture
def x_channel(factory: SessionFactory, admin: Actor, xfake: FakeX) -> int:
    return connect(factory, admin, xfake)


def items(factory: SessionFactory, channel_id: int) -> dict[str, Item]:
    with factory() as s:
        return {
            i.external_id: i for i in s.scalars(select(Item).where(Item.channel_id == channel_id))
        }


def channel(factory: SessionFactory, channel_id: int) -> Channel:
    with factory() as s:
        return s.get_one(Channel, channel_id)


def test_mentions_replies_and_direct_messages_arrive_across_pages(
    factory: SessionFactory, xfake: FakeX, x_channel: int, sync_engine: SyncEngine
) -> None:
    alice = xfake.add_user("alice_m", "Alice Moreau")
    bob = xfake.add_user("bob")
    appeal = xfake.post(xfake.me, "Appeal: have you seen this bike? #Northshire")
    reply = xfake.post(alice, "@NorthshirePolice I saw it near the station & the park", appeal)
    mentions = [xfake.post(bob, f"@NorthshirePolice question {n}") for n in range(3)]
    dm = xfake.add_dm(alice, "My neighbour is being threatened")
    result = sync_engine.sync_channel(x_channel)
    assert (result.state, result.inserted) == ("ok", 5), result.reason
    got = items(factory, x_channel)
    assert set(got) == {reply, *mentions, f"dm:{dm}"}
    assert got[reply].kind == ItemKind.REPLY and got[mentions[0]].kind == ItemKind.MENTION
    assert got[f"dm:{dm}"].kind == ItemKind.DIRECT_MESSAGE
    assert "station & the park" in got[reply].body_text  # &amp; undone
    assert got[reply].parent_external_id == appeal
    assert got[reply].permalink == f"https://x.com/alice_m/status/{reply}"
    with factory() as s:
        thread = s.get_one(Thread, got[reply].thread_id)
        assert thread.external_id == appeal
        assert thread.title == "Appeal: have you seen this bike? #Northshire"
        contact = s.get_one(Contact, got[reply].contact_id)
    assert (contact.handle, contact.display_name) == ("@alice_m", "Alice Moreau")
    assert contact.profile_url == "https://x.com/alice_m"
    asked = [r.query for r in xfake.server.requests if r.path.endswith("/mentions")]
    assert len(asked) == 2 and asked[1]["pagination_token"] == ["2"]
    assert channel(factory, x_channel).cursor["since_id"] == max(reply, *mentions, key=int)
    assert sync_engine.sync_channel(x_channel).inserted == 0
    later = xfake.post(alice, "@NorthshirePolice any news?")
    assert sync_engine.sync_channel(x_channel).inserted == 1
    assert later in items(factory, x_channel)
    assert got[reply].direction == Direction.INBOUND


def test_the_rate_limit_x_reports_is_shown_on_the_channel(
    factory: SessionFactory, xfake: FakeX, x_channel: int, sync_engine: SyncEngine
) -> None:
    xfake.post(xfake.add_user("alice"), "@NorthshirePolice hello")
    result = sync_engine.sync_channel(x_channel)
    reset = datetime.fromtimestamp(xfake.reset_at, UTC)
    assert result.state == "ok"
    assert f"299 of 300 requests left until {reset:%H:%M} UTC" in (result.reason or "")
    assert "mentions" in (channel(factory, x_channel).state_reason or "")


def test_a_429_waits_until_the_reset_epoch(
    factory: SessionFactory, xfake: FakeX, x_channel: int, sync_engine: SyncEngine
) -> None:
    xfake.post(xfake.add_user("alice"), "@NorthshirePolice hello")
    sync_engine.sync_channel(x_channel)  # learns who we are
    xfake.exhaust("GET /2/users/:id/mentions")
    result = sync_engine.sync_channel(x_channel)
    assert result.state == "rate_limited"
    next_poll = channel(factory, x_channel).next_poll_at
    assert next_poll is not None
    assert abs(next_poll.replace(tzinfo=UTC).timestamp() - xfake.reset_at) < 5


def test_no_request_is_made_once_x_says_none_are_left(
    factory: SessionFactory, xfake: FakeX, x_channel: int, sync_engine: SyncEngine
) -> None:
    bob = xfake.add_user("bob")
    for n in range(5):
        xfake.post(bob, f"@NorthshirePolice message {n}")
    xfake.limit = 2  # two mention pages allowed in this window, and there are three
    result = sync_engine.sync_channel(x_channel)
    assert result.state == "rate_limited"
    assert len([r for r in xfake.server.requests if r.path.endswith("/mentions")]) == 2
    assert len(items(factory, x_channel)) == 4  # the pages read are kept; the cursor is not moved
    assert channel(factory, x_channel).cursor == {}


def test_an_edit_updates_the_item_and_reconcile_finds_a_deletion(
    factory: SessionFactory, xfake: FakeX, x_channel: int, sync_engine: SyncEngine
) -> None:
    alice = xfake.add_user("alice")
    first = xfake.post(alice, "@NorthshirePolice the car was red")
    gone = xfake.post(alice, "@NorthshirePolice something I regret")
    sync_engine.sync_channel(x_channel)
    newest = xfake.edit(first, "@NorthshirePolice the car was blue, sorry")
    assert sync_engine.sync_channel(x_channel).updated == 1  # the new version, same item
    got = items(factory, x_channel)
    assert newest not in got and "blue" in got[first].body_text
    assert (got[first].raw or {})["id"] == newest  # a reply goes to the newest version
    xfake.deleted.add(gone)
    sync_engine.sync_channel(x_channel, reconcile=True)
    got = items(factory, x_channel)
    assert got[gone].source_state == "deleted"
    assert got[first].source_state == "published" and "blue" in got[first].body_text


def test_without_dm_access_mentions_arrive_and_the_channel_says_why(
    factory: SessionFactory, admin: Actor, sync_engine: SyncEngine
) -> None:
    fake = FakeX(dm_allowed=False).start()
    try:
        cid = connect(factory, admin, fake)
        fake.post(fake.add_user("alice"), "@NorthshirePolice hello")
        result = sync_engine.sync_channel(cid)
        assert (result.state, result.inserted) == ("ok", 1)
        assert "direct messages are not read" in (result.reason or "")
        assert "client-forbidden" in (result.reason or "")
    finally:
        fake.stop()


def test_a_revoked_token_stops_the_channel_with_a_clear_reason(
    factory: SessionFactory, xfake: FakeX, x_channel: int, sync_engine: SyncEngine
) -> None:
    xfake.revoked = True
    result = sync_engine.sync_channel(x_channel)
    assert result.state == "error" and "credentials rejected" in (result.reason or "")
    assert "2 hours" in (result.reason or "") and xfake.token not in (result.reason or "")


@pytest.mark.parametrize("fault", ["wrong_shape", "truncate"])
def test_a_malformed_page_is_an_error_that_keeps_the_cursor(
    factory: SessionFactory, xfake: FakeX, x_channel: int, sync_engine: SyncEngine, fault: str
) -> None:
    alice = xfake.add_user("alice")
    xfake.post(alice, "@NorthshirePolice one")
    sync_engine.sync_channel(x_channel)
    before = channel(factory, x_channel).cursor
    xfake.post(alice, "@NorthshirePolice two")
    xfake.server.fail("/mentions", fault, times=4 if fault == "truncate" else 1)
    result = sync_engine.sync_channel(x_channel)
    assert result.state == "error" and "/mentions" in (result.reason or "")
    assert channel(factory, x_channel).cursor == before
    assert sync_engine.sync_channel(x_channel).inserted == 1
