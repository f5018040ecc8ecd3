"""Mastodon mentions and direct messages through the fake server: paging, edits, deletions, faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.store.models import Channel, Contact, Item, ItemKind, Thread
from services.workspace.actor import Actor
from tests.fakes.mastodon import FakeMastodon


@pytest.fixture
def masto() -> Iterator[FakeMastodon]:
    fake = FakeMastodon().start()
    yield fake
    fake.stop()


def connect(
    factory: SessionFactory, admin: Actor, fake: FakeMastodon, name: str = "Force Mastodon"
) -> int:
    """A channel as `channel add mastodon --url SERVER --secret-stdin` makes it."""
    return channels_admin.add_channel(
        factory, admin, "mastodon", name, {"url": fake.url}, fake.token
    ).id


@pytest.fixture
def masto_channel(factory: SessionFactory, admin: Actor, masto: FakeMastodon) -> int:
    return connect(factory, admin, masto)


def items(factory: SessionFactory, channel_id: int) -> dict[str, Item]:
    with factory() as s:
        return {
            i.external_id: i for i in s.scalars(select(Item).where(Item.channel_id == channel_id))
        }


def channel(factory: SessionFactory, channel_id: int) -> Channel:
    with factory() as s:
        return s.get_one(Channel, channel_id)


def test_mentions_and_direct_messages_arrive_with_author_thread_and_links(
    factory: SessionFactory, masto: FakeMastodon, masto_channel: int, sync_engine: SyncEngine
) -> None:
    alice = masto.add_account("alice", "Alice Moreau", domain="other.example")
    bob = masto.add_account("bob", "")  # a local account with no display name
    appeal = masto.post(masto.me, "Appeal: have you seen this bike?", mention_us=False)
    mention = masto.post(alice, "@police I saw it near the station", in_reply_to=appeal)
    dm = masto.post(bob, "@police my neighbour is being threatened", visibility="direct")
    masto.notify("favourite", alice, appeal)  # not for the inbox
    result = sync_engine.sync_channel(masto_channel)
    assert (result.state, result.inserted) == ("ok", 2)
    got = items(factory, masto_channel)
    assert got[mention].kind == ItemKind.MENTION and got[dm].kind == ItemKind.DIRECT_MESSAGE
    assert got[mention].parent_external_id == appeal
    assert got[mention].permalink == masto.statuses[mention]["url"]
    with factory() as s:
        thread = s.get_one(Thread, got[mention].thread_id)
        assert thread.external_id == appeal
        assert thread.title == "Appeal: have you seen this bike?"
        alice_contact = s.get_one(Contact, got[mention].contact_id)
        bob_contact = s.get_one(Contact, got[dm].contact_id)
    assert (alice_contact.handle, alice_contact.display_name) == (
        "@alice@other.example",
        "Alice Moreau",
    )
    assert alice_contact.profile_url == "https://other.example/@alice"
    # A local account is named with its server, so histories across channels can meet.
    assert (bob_contact.handle, bob_contact.display_name) == ("@bob@fake.social", "bob")
    assert sync_engine.sync_channel(masto_channel).inserted == 0  # re-sync adds nothing
    assert channel(factory, masto_channel).cursor["max_characters"] == 500


@pytest.mark.parametrize("snac_paging", [False, True], ids=["mastodon", "snac2"])
def test_a_backlog_larger_than_a_page_arrives_whole_without_since_id_or_link(
    factory: SessionFactory, admin: Actor, sync_engine: SyncEngine, snac_paging: bool
) -> None:
    fake = FakeMastodon(snac_paging=snac_paging).start()
    try:
        cid = connect(factory, admin, fake)
        people = [fake.add_account(f"p{n}") for n in range(5)]
        first = [fake.post(people[n % 5], f"@police first {n}") for n in range(3)]
        assert sync_engine.sync_channel(cid).inserted == 3
        later = [fake.post(people[n % 5], f"@police later {n}") for n in range(95)]
        for n in range(30):
            fake.notify("favourite", people[0], later[n])
        result = sync_engine.sync_channel(cid)
        assert (result.state, result.inserted) == ("ok", 95)
        assert set(items(factory, cid)) == {*first, *later}
        asked = [r.query for r in fake.server.requests if r.path == "/api/v1/notifications"]
        assert not any("since_id" in q for q in asked)
        assert sync_engine.sync_channel(cid).inserted == 0
    finally:
        fake.stop()


def test_reconcile_catches_an_edit_and_a_deletion(
    factory: SessionFactory, masto: FakeMastodon, masto_channel: int, sync_engine: SyncEngine
) -> None:
    alice = masto.add_account("alice", "Alice")
    edited = masto.post(alice, "@police the car was red")
    gone = masto.post(alice, "@police something I regret")
    sync_engine.sync_channel(masto_channel)
    masto.edit(edited, "@police the car was blue, sorry")
    masto.delete(gone)
    sync_engine.sync_channel(masto_channel, reconcile=True)
    got = items(factory, masto_channel)
    assert "blue" in got[edited].body_text and got[edited].source_updated_at is not None
    assert got[gone].source_state == "deleted"
    assert got[edited].source_state == "published"


def test_429_waits_until_the_iso_reset_instant(
    factory: SessionFactory, masto: FakeMastodon, masto_channel: int, sync_engine: SyncEngine
) -> None:
    masto.post(masto.add_account("alice"), "@police hello")
    reset = datetime.now(UTC) + timedelta(minutes=4)
    masto.server.fail(
        "/api/v1/notifications",
        status=429,
        body={"error": "Too many requests"},
        headers={
            "X-RateLimit-Reset": reset.isoformat(timespec="microseconds").replace("+00:00", "Z")
        },
    )
    result = sync_engine.sync_channel(masto_channel)
    assert result.state == "rate_limited" and "wait 24" in (result.reason or "")
    next_poll = channel(factory, masto_channel).next_poll_at
    assert next_poll is not None
    assert abs((next_poll.replace(tzinfo=UTC) - reset).total_seconds()) < 5
    assert items(factory, masto_channel) == {}
    assert sync_engine.sync_channel(masto_channel).inserted == 1


def test_a_revoked_token_stops_the_channel_with_a_clear_reason(
    factory: SessionFactory, masto: FakeMastodon, masto_channel: int, sync_engine: SyncEngine
) -> None:
    masto.revoked = True
    result = sync_engine.sync_channel(masto_channel)
    assert result.state == "error"
    assert "credentials rejected" in (result.reason or "")
    assert "The access token is invalid" in (result.reason or "")
    assert "token" in (result.reason or "") and masto.token not in (result.reason or "")


@pytest.mark.parametrize("fault", ["wrong_shape", "truncate"])
def test_a_malformed_page_is_an_error_that_keeps_the_cursor(
    factory: SessionFactory,
    masto: FakeMastodon,
    masto_channel: int,
    sync_engine: SyncEngine,
    fault: str,
) -> None:
    alice = masto.add_account("alice")
    masto.post(alice, "@police one")
    sync_engine.sync_channel(masto_channel)
    before = channel(factory, masto_channel).cursor
    masto.post(alice, "@police two")
    # A truncated body is a broken connection, retried within the run; a wrong shape is not.
    masto.server.fail("/api/v1/notifications", fault, times=4 if fault == "truncate" else 1)
    result = sync_engine.sync_channel(masto_channel)
    assert result.state == "error" and "/api/v1/notifications" in (result.reason or "")
    assert channel(factory, masto_channel).cursor == before
    assert sync_engine.sync_channel(masto_channel).inserted == 1


def test_a_status_with_a_content_warning_and_media_shows_both(
    factory: SessionFactory, masto: FakeMastodon, masto_channel: int, sync_engine: SyncEngine
) -> None:
    alice = masto.add_account("alice")
    sid = masto.post(alice, "@police photo of the damage", spoiler="vandalism")
    masto.statuses[sid]["media_attachments"] = [
        {
            "id": "9",
            "type": "image",
            "url": "https://fake.social/m/1.jpg",
            "description": "a smashed window",
        }
    ]
    sync_engine.sync_channel(masto_channel)
    item = items(factory, masto_channel)[sid]
    assert "Content warning: vandalism" in item.body_text
    assert "a smashed window" in item.body_text
    assert "<img" not in (item.body_html or "")
