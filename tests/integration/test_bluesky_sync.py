"""Bluesky mentions, replies and quotes through the fake PDS: paging, sessions, deletions, faults."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.store.models import Channel, Contact, Item, ItemKind, Thread
from services.workspace.actor import Actor
from tests.fakes.bluesky import FakeBluesky

LISTING = "/xrpc/app.bsky.notification.listNotifications"


@pytest.fixture
def bsky() -> Iterator[FakeBluesky]:
    fake = FakeBluesky().start()
    yield fake
    fake.stop()


def connect(factory: SessionFactory, admin: Actor, fake: FakeBluesky, password: str = "") -> int:
    """A channel as `channel add bluesky --url PDS --login HANDLE --secret-stdin` makes it."""
    handle = fake.accounts[fake.me]["handle"]
    config = {"url": fake.url, "login": handle}
    secret = password or fake.passwords[handle]
    return channels_admin.add_channel(factory, admin, "bluesky", "Force Bluesky", config, secret).id


@pytest.fixture
def bsky_channel(factory: SessionFactory, admin: Actor, bsky: FakeBluesky) -> int:
    return connect(factory, admin, bsky)


def items(factory: SessionFactory, channel_id: int) -> dict[str, Item]:
    with factory() as s:
        return {
            i.external_id: i for i in s.scalars(select(Item).where(Item.channel_id == channel_id))
        }


def channel(factory: SessionFactory, channel_id: int) -> Channel:
    with factory() as s:
        return s.get_one(Channel, channel_id)


def test_mentions_replies_and_quotes_arrive_with_author_thread_and_links(
    factory: SessionFactory, bsky: FakeBluesky, bsky_channel: int, sync_engine: SyncEngine
) -> None:
    alice = bsky.add_account("alice.example.social", "Alice Moreau")
    bob = bsky.add_account("bob.example.social")  # no display name
    appeal = bsky.post(bsky.me, "Appeal: have you seen this red bicycle?")
    reply = bsky.post(alice, "I saw it 🚲 near https://maps.example/x?y=1.", reply_to=appeal)
    answer = bsky.post(bob, "@police.example.social it was at the station", reply_to=reply)
    bsky.notify("mention", answer)
    quote = bsky.post(bob, "Look at this appeal", reason="quote")
    bsky.notify("like", appeal)  # not for the inbox
    start = len("I saw it 🚲 near ".encode())
    link = "https://maps.example/x?y=1"
    bsky.posts[reply]["record"]["facets"] = [
        {
            "index": {"byteStart": start, "byteEnd": start + len(link)},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}],
        }
    ]

    result = sync_engine.sync_channel(bsky_channel)

    assert (result.state, result.inserted) == ("ok", 3)
    got = items(factory, bsky_channel)
    assert got[reply].kind == ItemKind.REPLY and got[answer].kind == ItemKind.MENTION
    assert got[quote].kind == ItemKind.MENTION
    assert got[answer].parent_external_id == reply
    rkey = answer.rsplit("/", 1)[1]
    assert got[answer].permalink == f"https://bsky.app/profile/bob.example.social/post/{rkey}"
    # The facet's byte range starts after a 4-byte emoji: the link covers exactly the URL.
    assert f'<a href="{link}" rel="nofollow noopener noreferrer">{link}</a>.</p>' in (
        got[reply].body_html or ""
    )
    with factory() as s:
        thread = s.get_one(Thread, got[answer].thread_id)
        assert thread.external_id == appeal  # the root of the thread, not the parent
        assert thread.title == "Appeal: have you seen this red bicycle?"
        assert s.get_one(Thread, got[reply].thread_id).id == thread.id
        a = s.get_one(Contact, got[reply].contact_id)
        b = s.get_one(Contact, got[answer].contact_id)
    assert (a.external_id, a.handle, a.display_name) == (
        alice,
        "@alice.example.social",
        "Alice Moreau",
    )
    assert a.profile_url == "https://bsky.app/profile/alice.example.social"
    assert (b.handle, b.display_name) == ("@bob.example.social", "bob.example.social")
    assert sync_engine.sync_channel(bsky_channel).inserted == 0  # re-sync adds nothing


def test_paging_follows_the_cursor_then_stops_at_what_the_last_run_stored(
    factory: SessionFactory, bsky: FakeBluesky, bsky_channel: int, sync_engine: SyncEngine
) -> None:
    alice = bsky.add_account("alice.example.social")
    first = [bsky.post(alice, f"@police mention {i}", mention_us=True) for i in range(120)]
    assert sync_engine.sync_channel(bsky_channel).inserted == 120
    assert bsky.server.paths("GET").count(LISTING) == 3  # 50 + 50 + 20
    bsky.server.requests.clear()
    later = [bsky.post(alice, f"@police later {i}", mention_us=True) for i in range(2)]
    assert sync_engine.sync_channel(bsky_channel).inserted == 2
    assert bsky.server.paths("GET").count(LISTING) == 1  # the first page reached the mark
    assert set(items(factory, bsky_channel)) == set(first) | set(later)


def test_a_deleted_post_is_marked_deleted_by_reconcile(
    factory: SessionFactory, bsky: FakeBluesky, bsky_channel: int, sync_engine: SyncEngine
) -> None:
    alice = bsky.add_account("alice.example.social")
    kept = bsky.post(alice, "@police first", mention_us=True)
    gone = bsky.post(alice, "@police second, soon deleted", mention_us=True)
    sync_engine.sync_channel(bsky_channel)
    bsky.delete(gone)
    assert sync_engine.sync_channel(bsky_channel, reconcile=True).state == "ok"
    got = items(factory, bsky_channel)
    assert (got[kept].source_state, got[gone].source_state) == ("published", "deleted")


@pytest.mark.parametrize("retry_after", [True, False])
def test_429_puts_the_channel_on_hold_for_the_time_the_server_asks(
    factory: SessionFactory,
    bsky: FakeBluesky,
    bsky_channel: int,
    sync_engine: SyncEngine,
    retry_after: bool,
) -> None:
    bsky.post(bsky.add_account("alice.example.social"), "@police hi", mention_us=True)
    headers = {"RateLimit-Remaining": "0", "RateLimit-Reset": str(int(time.time()) + 900)}
    if retry_after:
        headers["Retry-After"] = "600"
    body = {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    bsky.server.fail(LISTING, status=429, headers=headers, body=body)
    result = sync_engine.sync_channel(bsky_channel)
    assert result.state == "rate_limited"
    wait = 600 if retry_after else 900
    assert result.reason is not None and f"wait {wait}" in result.reason.replace("899", "900")
    held = channel(factory, bsky_channel)
    assert held.next_poll_at is not None and held.cursor in (None, {})


def test_an_expired_access_token_is_renewed_and_the_call_retried(
    factory: SessionFactory, bsky: FakeBluesky, bsky_channel: int, sync_engine: SyncEngine
) -> None:
    alice = bsky.add_account("alice.example.social")
    bsky.post(alice, "@police one", mention_us=True)
    assert sync_engine.sync_channel(bsky_channel).inserted == 1
    bsky.expire_access()
    bsky.post(alice, "@police two", mention_us=True)
    result = sync_engine.sync_channel(bsky_channel)
    assert (result.state, result.inserted, result.reason) == ("ok", 1, None)
    assert bsky.sessions_created == 1  # the session is kept (keyring) and renewed, not re-made
    assert bsky.server.paths("POST").count("/xrpc/com.atproto.server.refreshSession") == 1


def test_a_token_about_to_expire_is_renewed_before_the_call(
    factory: SessionFactory, bsky: FakeBluesky, bsky_channel: int, sync_engine: SyncEngine
) -> None:
    bsky.access_lifetime = 60  # less than the five minutes we renew ahead
    sync_engine.sync_channel(bsky_channel)
    bsky.server.requests.clear()
    assert sync_engine.sync_channel(bsky_channel).state == "ok"
    assert bsky.server.paths()[:2] == [
        "/xrpc/com.atproto.server.refreshSession",
        LISTING,
    ]


def test_a_rejected_refresh_signs_in_again_and_says_so_on_the_channel(
    factory: SessionFactory, bsky: FakeBluesky, bsky_channel: int, sync_engine: SyncEngine
) -> None:
    sync_engine.sync_channel(bsky_channel)
    bsky.expire_access()
    bsky.revoke_refresh()
    bsky.post(bsky.add_account("alice.example.social"), "@police hi", mention_us=True)
    result = sync_engine.sync_channel(bsky_channel)
    assert (result.state, result.inserted) == ("ok", 1)
    assert bsky.sessions_created == 2
    reason = channel(factory, bsky_channel).state_reason or ""
    assert "refused to renew the saved session (Token has been revoked)" in reason
    assert "signed in again" in reason


@pytest.mark.allow_logged_problems
def test_a_wrong_app_password_stops_the_channel_with_a_clear_error(
    factory: SessionFactory, admin: Actor, bsky: FakeBluesky, sync_engine: SyncEngine
) -> None:
    channel_id = connect(factory, admin, bsky, password="wrong-pass")
    result = sync_engine.sync_channel(channel_id)
    assert result.state == "error"
    assert result.reason is not None
    assert result.reason.startswith("credentials rejected: Bluesky refused the app password")
    assert "wrong-pass" not in result.reason


@pytest.mark.parametrize("fault", ["wrong_shape", "truncate", "wrong_type"])
def test_a_malformed_answer_is_a_channel_error_and_the_cursor_stays(
    factory: SessionFactory,
    bsky: FakeBluesky,
    bsky_channel: int,
    sync_engine: SyncEngine,
    fault: str,
) -> None:
    alice = bsky.add_account("alice.example.social")
    bsky.post(alice, "@police one", mention_us=True)
    sync_engine.sync_channel(bsky_channel)
    before = dict(channel(factory, bsky_channel).cursor or {})
    bsky.post(alice, "@police two", mention_us=True)
    if fault == "wrong_type":
        bsky.server.fail(LISTING, "status", status=200, body=b"<html>maintenance</html>")
    else:  # a cut-off answer is retried (reading is idempotent): cut them all
        bsky.server.fail(LISTING, fault, times=5 if fault == "truncate" else 1)
    result = sync_engine.sync_channel(bsky_channel)
    assert result.state == "error" and result.reason
    assert "listNotifications" in result.reason
    assert channel(factory, bsky_channel).cursor == before
    assert sync_engine.sync_channel(bsky_channel).inserted == 1  # the next run catches up
