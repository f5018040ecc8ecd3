"""Replies and moderation through the fake Bluesky PDS: threaded on the root, faceted, counted, sent once."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.answers import outbox, replies, review
from services.channels import admin as channels_admin
from services.channels import moderation
from services.channels.bluesky_text import too_long
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.errors import InvalidInput
from services.inbox import conversation
from services.store.db import SessionFactory
from services.store.models import Item, Reply, ReplyState
from services.workspace.actor import Actor
from tests.e2e.test_cli import run as run_cli
from tests.fakes.bluesky import FakeBluesky
from tests.integration.test_bluesky_sync import bsky, bsky_channel, items

__all__ = ["bsky", "bsky_channel"]  # fixtures shared with the sync tests
CREATE = "/xrpc/com.atproto.repo.createRecord"


def _answer(
    factory: SessionFactory,
    officer: Actor,
    supervisor: Actor,
    item_id: int,
    text: str,
    *,
    registry: Registry,
) -> int:
    draft = replies.save_draft(factory, officer, item_id, text, registry=registry)
    replies.submit(factory, officer, draft.reply_id, registry=registry)
    with factory() as s:
        if s.get_one(Reply, draft.reply_id).state == ReplyState.IN_REVIEW:
            review.approve(factory, supervisor, draft.reply_id, registry=registry)
    return draft.reply_id


def test_a_reply_to_a_reply_carries_the_threads_root_and_facets_in_utf8_bytes(
    factory: SessionFactory,
    bsky: FakeBluesky,
    bsky_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    alice = bsky.add_account("alice.example.social", "Alice")
    appeal = bsky.post(bsky.me, "Appeal: red bicycle taken on Sandpit Lane")
    reply = bsky.post(alice, "Is there a reward?", reply_to=appeal)
    sync_engine.sync_channel(bsky_channel)
    item_id = items(factory, bsky_channel)[reply].id
    text = "Thanks 🙏 @alice.example.social: see https://northvale.example/appeals."
    _answer(factory, officer, supervisor, item_id, text, registry=registry)

    assert [
        r.state for r in outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    ] == ["sent"]

    (mine,) = [p for p in bsky.mine() if p["uri"] != appeal]
    record = mine["record"]
    assert record["reply"]["root"] == {"uri": appeal, "cid": bsky.posts[appeal]["cid"]}
    assert record["reply"]["parent"] == {"uri": reply, "cid": bsky.posts[reply]["cid"]}
    data = text.encode()
    spans = {
        data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]
        for f in record["facets"]
    }
    assert spans == {
        "@alice.example.social": {"$type": "app.bsky.richtext.facet#mention", "did": alice},
        "https://northvale.example/appeals": {
            "$type": "app.bsky.richtext.facet#link",
            "uri": "https://northvale.example/appeals",
        },
    }
    conv = conversation.load(factory, item_id, registry=registry)
    assert [m.direction for m in conv.thread].count("outbound") == 1
    assert sync_engine.sync_channel(bsky_channel).inserted == 0


def test_a_301_grapheme_reply_with_emoji_is_refused_before_sending(
    factory: SessionFactory,
    bsky: FakeBluesky,
    bsky_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    registry: Registry,
) -> None:
    uri = bsky.post(bsky.add_account("alice.example.social"), "@police hi", mention_us=True)
    sync_engine.sync_channel(bsky_channel)
    item_id = items(factory, bsky_channel)[uri].id
    # 300 graphemes (400 code points, 780 bytes): an emoji with its skin tone, or a ZWJ
    # family of five code points, is one grapheme each.
    fits = "Thank you 👍🏽 " * 20 + "👩‍👩‍👧" * 20 + "x" * 40
    assert (len(fits), too_long(fits)) == (400, None)
    draft = replies.save_draft(
        factory, officer, item_id, fits + "!", registry=registry
    )  # a draft may run long
    with pytest.raises(InvalidInput) as refused:
        replies.submit(factory, officer, draft.reply_id, registry=registry)
    assert str(refused.value) == (
        "the reply is 301 characters; Bluesky allows 300 "
        "(an emoji, even one made of several symbols, counts as one)"
    )
    # 200 graphemes, but 3,600 bytes: Bluesky's other limit.
    assert too_long("👩‍👩‍👧" * 200) == "the reply is 3,600 bytes in UTF-8; Bluesky allows 3,000"
    assert not [r for r in bsky.server.requests if r.path == CREATE]


def test_a_reply_whose_answer_was_lost_is_found_not_posted_twice(
    factory: SessionFactory,
    bsky: FakeBluesky,
    bsky_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    uri = bsky.post(bsky.add_account("alice.example.social"), "@police thanks", mention_us=True)
    sync_engine.sync_channel(bsky_channel)
    _answer(
        factory,
        officer,
        supervisor,
        items(factory, bsky_channel)[uri].id,
        "You're welcome",
        registry=registry,
    )
    bsky.server.fail(CREATE, "lost_answer", method="POST")
    first = outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    assert [r.state for r in first] == ["approved"]  # unknown outcome: looked for next time
    again = outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    assert [r.state for r in again] == ["sent"]
    assert len(bsky.mine()) == 1
    assert len([r for r in bsky.server.requests if r.path == CREATE]) == 1


def test_a_deleted_parent_fails_the_reply_with_the_platforms_reason(
    factory: SessionFactory,
    bsky: FakeBluesky,
    bsky_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    uri = bsky.post(bsky.add_account("alice.example.social"), "@police hi", mention_us=True)
    sync_engine.sync_channel(bsky_channel)
    _answer(
        factory,
        officer,
        supervisor,
        items(factory, bsky_channel)[uri].id,
        "Hello",
        registry=registry,
    )
    bsky.posts[uri]["cid"] = "bafyreichanged"  # replaced under us: the strong ref no longer holds
    (result,) = outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    assert result.state == "failed"
    assert result.reason is not None and result.reason.startswith("Bluesky refused the reply")


def test_mute_block_and_hide_reach_the_server_and_the_item(
    factory: SessionFactory,
    bsky: FakeBluesky,
    bsky_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
) -> None:
    alice = bsky.add_account("alice.example.social")
    bob = bsky.add_account("bob.example.social")
    appeal = bsky.post(bsky.me, "Appeal")
    rude = bsky.post(alice, "rude words", reply_to=appeal)
    elsewhere = bsky.post(bob, "my own thread")
    mention = bsky.post(alice, "@police look", reply_to=elsewhere, mention_us=True)
    sync_engine.sync_channel(bsky_channel)
    got = items(factory, bsky_channel)
    connector = sync_engine.connector_for(bsky_channel)
    try:
        moderation.moderate(factory, officer, got[rude].id, "hide", connector)
        assert bsky.threadgate(appeal) == {
            "$type": "app.bsky.feed.threadgate",
            "post": appeal,
            "createdAt": bsky.threadgate(appeal)["createdAt"],  # type: ignore[index]
            "hiddenReplies": [rude],
        }
        with pytest.raises(Exception, match="only the author of a thread's first post"):
            moderation.moderate(factory, officer, got[mention].id, "hide", connector)
        moderation.moderate(factory, officer, got[mention].id, "mute", connector)
        moderation.moderate(factory, officer, got[rude].id, "block", connector)
    finally:
        connector.close()
    assert bsky.muted == {alice} and bsky.blocks() == [alice]
    with factory() as s:
        assert s.get_one(Item, got[rude].id).source_state == "hidden"


def test_channel_add_bluesky_from_the_command_line(bsky: FakeBluesky, tmp_path: Path) -> None:
    handle = bsky.accounts[bsky.me]["handle"]
    bsky.post(bsky.add_account("alice.example.social"), "@police hello", mention_us=True)
    db = str(tmp_path / "cli.db")
    assert run_cli(db, "db", "upgrade").returncode == 0
    added = run_cli(
        db,
        *("channel", "add", "bluesky", "--name", "Force Bluesky", "--url", bsky.url),
        *("--login", f"@{handle}", "--secret-stdin"),
        stdin=bsky.passwords[handle] + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert "added channel Force Bluesky (bluesky)" in added.stdout
    tested = run_cli(db, "channel", "test", "Force Bluesky")
    assert tested.returncode == 0, tested.stderr
    assert f"connected as Northvale Police (@{handle})" in tested.stdout
    synced = run_cli(db, "sync")
    assert synced.returncode == 0 and "Force Bluesky: ok, 1 new" in synced.stdout, synced.stdout
    assert bsky.sessions_created == 1  # `channel test` signed in; `sync` reused the session
    assert bsky.passwords[handle].encode() not in Path(db).read_bytes()
    no_login = run_cli(
        db,
        *("channel", "add", "bluesky", "--name", "B", "--url", bsky.url, "--secret-stdin"),
        stdin="pw\n",
    )
    assert no_login.returncode != 0 and "--login" in no_login.stderr


def test_removing_the_channel_forgets_the_signed_in_session(
    factory: SessionFactory,
    admin: Actor,
    bsky: FakeBluesky,
    bsky_channel: int,
    sync_engine: SyncEngine,
) -> None:
    from services.channels.bluesky_api import KeyringSession

    sync_engine.sync_channel(bsky_channel)
    session = KeyringSession(bsky.url, bsky.accounts[bsky.me]["handle"])
    assert session.load() is not None
    channels_admin.remove_channel(factory, admin, "Force Bluesky")
    assert session.load() is None
