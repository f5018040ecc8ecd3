"""Replies and hiding through the fake X API: weighted length checked first, threaded, sent once."""

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
from services.store.models import Item, Reply, ReplyState
from services.workspace.actor import Actor
from tests.e2e.test_cli import run as run_cli
from tests.fakes.x import FakeX
from tests.integration.test_x_sync import items, x_channel, xfake

__all__ = ["x_channel", "xfake"]  # fixtures shared with the sync tests


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


def _send(factory: SessionFactory, sync_engine: SyncEngine, *, registry: Registry) -> list[str]:
    return [
        r.state for r in outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    ]


def test_a_reply_answers_the_newest_version_of_an_edited_post(
    factory: SessionFactory,
    xfake: FakeX,
    x_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    first = xfake.post(xfake.add_user("alice"), "@NorthshirePolice the car was red")
    sync_engine.sync_channel(x_channel)
    newest = xfake.edit(first, "@NorthshirePolice the car was blue")
    sync_engine.sync_channel(x_channel)
    item_id = items(factory, x_channel)[first].id
    _answer(
        factory, officer, supervisor, item_id, "Thanks, noted: blue & parked", registry=registry
    )
    assert _send(factory, sync_engine, registry=registry) == ["sent"]
    (mine,) = xfake.mine()
    assert mine["referenced_tweets"] == [{"type": "replied_to", "id": newest}]
    assert mine["text"] == "Thanks, noted: blue &amp; parked"
    conv = conversation.load(factory, item_id, registry=registry)
    assert [m.direction for m in conv.thread].count("outbound") == 1
    assert sync_engine.sync_channel(x_channel).inserted == 0


def test_a_281_character_reply_is_refused_before_submit(
    factory: SessionFactory,
    xfake: FakeX,
    x_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    registry: Registry,
) -> None:
    sid = xfake.post(xfake.add_user("alice"), "@NorthshirePolice question")
    sync_engine.sync_channel(x_channel)
    item_id = items(factory, x_channel)[sid].id
    link = "https://www.example.police.uk/report-a-crime/online?from=x"  # counts 23
    fits = "a" * 250 + " " + link + " 👍🏽"  # 250 + 1 + 23 + 1 + 2 = 277
    for too_long, counted in ((fits + "abcd", 281), ("警" * 141, 282)):
        draft = replies.save_draft(factory, officer, item_id, too_long, registry=registry)
        with pytest.raises(InvalidInput, match=rf"counts {counted} of X's 280"):
            replies.submit(factory, officer, draft.reply_id, registry=registry)
    replies.save_draft(factory, officer, item_id, fits + "abc", draft.reply_id, registry=registry)
    assert replies.submit(factory, officer, draft.reply_id, registry=registry).state in (
        "approved",
        "in_review",
    )
    assert xfake.mine() == []


def test_a_reply_whose_answer_was_lost_is_found_not_posted_twice(
    factory: SessionFactory,
    xfake: FakeX,
    x_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    sid = xfake.post(xfake.add_user("alice"), "@NorthshirePolice thanks for the update")
    sync_engine.sync_channel(x_channel)
    _answer(
        factory,
        officer,
        supervisor,
        items(factory, x_channel)[sid].id,
        "You're welcome",
        registry=registry,
    )
    xfake.server.fail("/2/tweets", "lost_answer", method="POST")
    assert _send(factory, sync_engine, registry=registry) == [
        "approved"
    ]  # unknown outcome: tried again later
    assert len(xfake.mine()) == 1  # X did post it
    assert _send(factory, sync_engine, registry=registry) == ["sent"]
    assert len(xfake.mine()) == 1


def test_a_deleted_parent_fails_the_reply_with_the_reason(
    factory: SessionFactory,
    xfake: FakeX,
    x_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    sid = xfake.post(xfake.add_user("alice"), "@NorthshirePolice hello")
    sync_engine.sync_channel(x_channel)
    item_id = items(factory, x_channel)[sid].id
    _answer(factory, officer, supervisor, item_id, "Hello Alice", registry=registry)
    xfake.deleted.add(sid)
    assert _send(factory, sync_engine, registry=registry) == ["failed"]
    reason = conversation.load(factory, item_id, registry=registry).replies[-1].failure_reason or ""
    assert "deleted or not visible" in reason and xfake.mine() == []


def test_a_direct_message_is_answered_in_its_conversation(
    factory: SessionFactory,
    xfake: FakeX,
    x_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    alice = xfake.add_user("alice")
    dm = xfake.add_dm(alice, "Someone is following me")
    sync_engine.sync_channel(x_channel)
    item_id = items(factory, x_channel)[f"dm:{dm}"].id
    _answer(
        factory,
        officer,
        supervisor,
        item_id,
        "Please call 999 if you are in danger",
        registry=registry,
    )
    assert _send(factory, sync_engine, registry=registry) == ["sent"]
    assert xfake.dm_events[0]["sender_id"] == xfake.me
    assert xfake.dm_events[0]["text"] == "Please call 999 if you are in danger"
    assert xfake.mine() == []  # nothing public
    assert sync_engine.sync_channel(x_channel).inserted == 0


def test_hiding_a_reply_reaches_x_and_is_read_back(
    factory: SessionFactory,
    xfake: FakeX,
    x_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
) -> None:
    appeal = xfake.post(xfake.me, "Appeal: missing teenager")
    abuse = xfake.post(xfake.add_user("troll"), "@NorthshirePolice abuse", appeal)
    elsewhere = xfake.post(xfake.add_user("bob"), "@NorthshirePolice look at this")
    sync_engine.sync_channel(x_channel)
    got = items(factory, x_channel)
    connector = sync_engine.connector_for(x_channel)
    moderation.moderate(factory, officer, got[abuse].id, "hide", connector)
    assert abuse in xfake.hidden
    with factory() as s:
        assert s.get_one(Item, got[abuse].id).source_state == "hidden"
    sync_engine.sync_channel(x_channel, reconcile=True)
    with factory() as s:
        assert s.get_one(Item, got[abuse].id).source_state == "hidden"
    moderation.moderate(factory, officer, got[abuse].id, "unhide", connector)
    assert abuse not in xfake.hidden
    with pytest.raises(Exception, match="conversations the force started"):
        moderation.moderate(factory, officer, got[elsewhere].id, "hide", connector)
    connector.close()


def test_channel_add_x_from_the_command_line(xfake: FakeX, tmp_path: Path) -> None:
    xfake.post(xfake.add_user("alice"), "@NorthshirePolice hello from the command line")
    xfake.dm_allowed = False
    db = str(tmp_path / "cli.db")
    assert run_cli(db, "db", "upgrade").returncode == 0
    added = run_cli(
        db,
        *("channel", "add", "x", "--name", "Force X", "--api-url", xfake.url, "--secret-stdin"),
        stdin=xfake.token + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert "added channel Force X (x)" in added.stdout
    tested = run_cli(db, "channel", "test", "Force X")
    assert tested.returncode == 0, tested.stderr
    assert "connected as @NorthshirePolice (Northshire Police)" in tested.stdout
    assert "missing: direct messages" in tested.stdout
    synced = run_cli(db, "sync")
    assert synced.returncode == 0 and "Force X: ok, 1 new" in synced.stdout, synced.stdout
    assert xfake.token.encode() not in Path(db).read_bytes()
