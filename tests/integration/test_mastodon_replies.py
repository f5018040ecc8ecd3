"""Replies and moderation through the fake Mastodon: visibility kept, threaded, counted, sent once."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.answers import outbox, replies, review
from services.channels import moderation
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.errors import InvalidInput
from services.inbox import conversation
from services.store.db import SessionFactory
from services.store.models import Channel, Item, Reply, ReplyState
from services.workspace.actor import Actor
from tests.e2e.test_cli import run as run_cli
from tests.fakes.mastodon import FakeMastodon
from tests.integration.test_mastodon_sync import connect, items, masto, masto_channel

__all__ = ["masto", "masto_channel"]  # fixtures shared with the sync tests


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


@pytest.mark.parametrize("visibility", ["direct", "private", "public"])
def test_a_reply_keeps_the_parents_visibility_and_addresses_its_author(
    factory: SessionFactory,
    masto: FakeMastodon,
    masto_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    visibility: str,
    registry: Registry,
) -> None:
    alice = masto.add_account("alice", "Alice", domain="other.example")
    sid = masto.post(alice, "@police someone is following me home", visibility=visibility)
    sync_engine.sync_channel(masto_channel)
    item_id = items(factory, masto_channel)[sid].id
    _answer(
        factory, officer, supervisor, item_id, "Please call 101 and quote FC-1.", registry=registry
    )
    assert [
        r.state for r in outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    ] == ["sent"]
    (mine,) = masto.mine()
    assert mine["visibility"] == visibility  # a direct message is never answered in public
    assert mine["in_reply_to_id"] == sid
    assert mine["content"] == "<p>@alice@other.example Please call 101 and quote FC-1.</p>"
    (post,) = [
        r for r in masto.server.requests if r.method == "POST" and r.path == "/api/v1/statuses"
    ]
    assert post.headers.get("Idempotency-Key")
    conv = conversation.load(factory, item_id, registry=registry)
    assert [m.direction for m in conv.thread].count("outbound") == 1
    assert sync_engine.sync_channel(masto_channel).inserted == 0


def test_a_reply_whose_answer_was_lost_is_found_not_posted_twice(
    factory: SessionFactory,
    masto: FakeMastodon,
    masto_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    sid = masto.post(masto.add_account("alice"), "@police thanks for the update")
    sync_engine.sync_channel(masto_channel)
    _answer(
        factory,
        officer,
        supervisor,
        items(factory, masto_channel)[sid].id,
        "You're welcome",
        registry=registry,
    )
    masto.server.fail("/api/v1/statuses", "lost_answer", method="POST")
    first = outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    assert [r.state for r in first] == ["approved"]  # unknown outcome: retried later
    masto.idempotency.clear()  # the server forgot the key (kept 1 h): only find_reply can help
    assert [
        r.state for r in outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    ] == ["sent"]
    assert len(masto.mine()) == 1


def test_the_instance_limit_refuses_a_long_reply_before_sending(
    factory: SessionFactory,
    admin: Actor,
    sync_engine: SyncEngine,
    officer: Actor,
    registry: Registry,
) -> None:
    fake = FakeMastodon(max_characters=100).start()
    try:
        cid = connect(factory, admin, fake)
        sid = fake.post(fake.add_account("alice", domain="far.example"), "@police question")
        sync_engine.sync_channel(cid)
        item_id = items(factory, cid)[sid].id
        # "@alice " counts 7 (the domain is not counted): 93 graphemes fit, 94 do not.
        fits = "👍🏽" + "a" * 92
        draft = replies.save_draft(factory, officer, item_id, fits + "b", registry=registry)
        with pytest.raises(InvalidInput, match=r"101 characters with the @mention.*allows 100"):
            replies.submit(factory, officer, draft.reply_id, registry=registry)
        replies.save_draft(factory, officer, item_id, fits, draft.reply_id, registry=registry)
        assert replies.submit(factory, officer, draft.reply_id, registry=registry).state in (
            "approved",
            "in_review",
        )
    finally:
        fake.stop()


def test_without_v2_the_v1_instance_limit_is_used(
    factory: SessionFactory, admin: Actor, sync_engine: SyncEngine
) -> None:
    fake = FakeMastodon(max_characters=None).start()
    try:
        cid = connect(factory, admin, fake)
        assert sync_engine.sync_channel(cid).state == "ok"
        with factory() as s:
            assert s.get_one(Channel, cid).cursor["max_characters"] == 5000
    finally:
        fake.stop()


def test_a_deleted_parent_fails_the_reply_with_the_reason(
    factory: SessionFactory,
    masto: FakeMastodon,
    masto_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    sid = masto.post(masto.add_account("alice"), "@police hello")
    sync_engine.sync_channel(masto_channel)
    item_id = items(factory, masto_channel)[sid].id
    _answer(factory, officer, supervisor, item_id, "Hello Alice", registry=registry)
    masto.delete(sid)
    assert [
        r.state for r in outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    ] == ["failed"]
    reason = conversation.load(factory, item_id, registry=registry).replies[-1].failure_reason or ""
    assert "deleted" in reason and masto.mine() == []


def test_block_and_report_reach_the_server_and_the_item(
    factory: SessionFactory,
    masto: FakeMastodon,
    masto_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
) -> None:
    troll = masto.add_account("troll")
    sid = masto.post(troll, "@police abuse")
    sync_engine.sync_channel(masto_channel)
    item_id = items(factory, masto_channel)[sid].id
    connector = sync_engine.connector_for(masto_channel)
    moderation.moderate(factory, officer, item_id, "report", connector)
    moderation.moderate(factory, officer, item_id, "block", connector)
    assert troll in masto.blocked
    assert masto.reports == [{"account_id": troll, "status_ids": [sid], "category": "other"}]
    with factory() as s:
        assert s.get_one(Item, item_id).source_state == "hidden"
    sync_engine.sync_channel(masto_channel, reconcile=True)
    with factory() as s:
        assert s.get_one(Item, item_id).source_state == "hidden"  # stays out of sight


def test_channel_add_mastodon_from_the_command_line(masto: FakeMastodon, tmp_path: Path) -> None:
    masto.post(masto.add_account("alice"), "@police hello from the command line")
    db = str(tmp_path / "cli.db")
    assert run_cli(db, "db", "upgrade").returncode == 0
    added = run_cli(
        db,
        *("channel", "add", "mastodon", "--name", "Force Mastodon", "--url", masto.url),
        "--secret-stdin",
        stdin=masto.token + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert "added channel Force Mastodon (mastodon)" in added.stdout
    tested = run_cli(db, "channel", "test", "Force Mastodon")
    assert tested.returncode == 0, tested.stderr
    assert "connected as @police" in tested.stdout and "500 characters" in tested.stdout
    synced = run_cli(db, "sync")
    assert synced.returncode == 0 and "Force Mastodon: ok, 1 new" in synced.stdout, synced.stdout
    assert masto.token.encode() not in Path(db).read_bytes()  # the token lives in the keyring
    no_url = run_cli(db, "channel", "add", "mastodon", "--name", "X", "--secret-stdin", stdin="t\n")
    assert no_url.returncode != 0 and "--url" in no_url.stderr
