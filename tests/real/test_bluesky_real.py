"""The Bluesky channel against the real atproto dev network (npm @atproto/dev-env) started by the suite.

What the fakes believe, checked against the PDS and AppView Bluesky runs:
notifications, thread roots, sessions from a password, records we write.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from services.answers import outbox, replies, review
from services.channels import admin as channels_admin
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.store.models import Contact, Item, ItemKind, Reply, ReplyState, Thread
from services.workspace.actor import Actor
from tests.conftest import UNDER_CI
from tests.real.atproto_network import AtprotoNetwork, install, missing_parts

pytestmark = pytest.mark.atproto_real
# What a client writes reaches the AppView through the firehose: poll, with a limit.
INDEX_DEADLINE = 30.0


def _unavailable(reason: str) -> None:
    message = f"atproto dev network unavailable: {reason}"
    if UNDER_CI:
        pytest.fail(message + " (CI=true: real-server tests may not be skipped)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def atproto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AtprotoNetwork]:
    reason = missing_parts()
    if reason:
        _unavailable(reason)
    try:
        folder = install()
    except Exception as exc:  # no registry, no compiler: no network here
        _unavailable(str(exc))
    network = AtprotoNetwork(folder, tmp_path_factory.mktemp("atproto") / "network.log")
    try:
        network.start()
    except Exception as exc:
        network.stop()
        _unavailable(str(exc))
    yield network
    network.stop()


def _connect(factory: SessionFactory, admin: Actor, net: AtprotoNetwork) -> int:
    police = net.accounts["police"]
    config = {"url": net.pds, "login": police.handle}
    return channels_admin.add_channel(
        factory, admin, "bluesky", "Force Bluesky", config, police.password
    ).id


def _items(factory: SessionFactory, channel_id: int) -> dict[str, Item]:
    with factory() as s:
        return {
            i.external_id: i for i in s.scalars(select(Item).where(Item.channel_id == channel_id))
        }


def _record(net: AtprotoNetwork, uri: str) -> dict[str, object]:
    repo, collection, rkey = uri.removeprefix("at://").split("/")
    got = httpx.get(
        f"{net.pds}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
        timeout=10,
    )
    got.raise_for_status()
    value: dict[str, object] = got.json()["value"]
    return value


def test_replies_and_mentions_arrive_and_our_reply_carries_the_threads_root(
    factory: SessionFactory,
    admin: Actor,
    officer: Actor,
    supervisor: Actor,
    atproto: AtprotoNetwork,
    sync_engine: SyncEngine,
    registry: Registry,
) -> None:
    appeal = atproto.posts["appeal"]
    reply = atproto.post("alice", "I think I saw it near the station 🚲", reply_to=appeal)
    mention = atproto.post(
        "bob", "do you know the owner?", reply_to=reply, root=appeal, mention="police"
    )
    channel_id = _connect(factory, admin, atproto)

    result = sync_engine.sync_channel(channel_id)

    assert (result.state, result.reason) == ("ok", None)
    got = _items(factory, channel_id)
    assert {reply["uri"], mention["uri"]} <= set(got)
    assert got[reply["uri"]].kind == ItemKind.REPLY
    assert got[mention["uri"]].kind == ItemKind.MENTION
    assert got[mention["uri"]].parent_external_id == reply["uri"]
    with factory() as s:
        thread = s.get_one(Thread, got[mention["uri"]].thread_id)
        alice = s.get_one(Contact, got[reply["uri"]].contact_id)
    assert thread.external_id == appeal["uri"]
    assert thread.title is not None and thread.title.startswith("Appeal: have you seen")
    assert (alice.external_id, alice.handle, alice.display_name) == (
        atproto.accounts["alice"].did,
        "@alice.test",
        "Alice Moreau",
    )
    assert alice.profile_url == "https://bsky.app/profile/alice.test"
    rkey = reply["uri"].rsplit("/", 1)[1]
    assert got[reply["uri"]].permalink == f"https://bsky.app/profile/alice.test/post/{rkey}"

    # Our answer to Bob's reply-to-a-reply: parent is Bob's post, root the force's appeal.
    draft = replies.save_draft(
        factory,
        officer,
        got[mention["uri"]].id,
        "Thanks @bob.test, see https://example.org/bike",
        registry=registry,
    )
    replies.submit(factory, officer, draft.reply_id, registry=registry)
    with factory() as s:
        if s.get_one(Reply, draft.reply_id).state == ReplyState.IN_REVIEW:
            review.approve(factory, supervisor, draft.reply_id, registry=registry)
    (sent,) = outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    assert sent.state == "sent", sent.reason
    with factory() as s:
        ours = s.scalar(select(Reply.external_id).where(Reply.id == draft.reply_id))
    assert ours is not None and ours.startswith(f"at://{atproto.accounts['police'].did}/")
    record = _record(atproto, ours)
    assert record["reply"] == {
        "root": {"uri": appeal["uri"], "cid": appeal["cid"]},
        "parent": {"uri": mention["uri"], "cid": mention["cid"]},
    }
    features = [f["features"][0]["$type"] for f in record["facets"]]  # type: ignore[attr-defined]
    assert sorted(features) == [
        "app.bsky.richtext.facet#link",
        "app.bsky.richtext.facet#mention",
    ]

    # The AppView indexes our post on its own time; then a re-sync adds nothing.
    deadline = time.monotonic() + INDEX_DEADLINE
    while True:
        atproto.process()
        thread_view = httpx.get(
            f"{atproto.pds}/xrpc/app.bsky.feed.getPostThread",
            params={"uri": ours},
            headers={"Authorization": f"Bearer {_token(atproto)}"},
            timeout=10,
        )
        if thread_view.status_code == 200 or time.monotonic() > deadline:
            break
    assert thread_view.status_code == 200, thread_view.text
    assert sync_engine.sync_channel(channel_id).inserted == 0


def _token(net: AtprotoNetwork) -> str:
    police = net.accounts["police"]
    made = httpx.post(
        f"{net.pds}/xrpc/com.atproto.server.createSession",
        json={"identifier": police.handle, "password": police.password},
        timeout=10,
    )
    made.raise_for_status()
    token: str = made.json()["accessJwt"]
    return token
