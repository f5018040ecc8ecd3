"""Replies and moderation through the fake Graph API: threaded, private, Messenger, sent once."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.answers import outbox, replies, review
from services.channels import moderation
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.inbox import conversation
from services.store.db import SessionFactory
from services.store.models import Item, Reply, ReplyState
from services.workspace.actor import Actor
from tests.e2e.test_cli import run as run_cli
from tests.fakes.facebook import FakeGraph
from tests.integration.test_facebook_sync import fb_channel, graph, items

__all__ = ["fb_channel", "graph"]  # fixtures shared with the sync tests


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


def test_a_reply_to_a_reply_goes_under_its_top_comment_naming_the_person(
    factory: SessionFactory,
    graph: FakeGraph,
    fb_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    post = graph.add_post("Appeal: missing dog")
    top = graph.add_comment(post, "Seen near the park", "Helen Brennan")
    nested = graph.add_comment(top, "Which park?", "Sam Okafor")
    sync_engine.sync_channel(fb_channel)
    got = items(factory, fb_channel)
    _answer(factory, officer, supervisor, got[top].id, "Thank you Helen", registry=registry)
    _answer(factory, officer, supervisor, got[nested].id, "Greenfield park", registry=registry)
    assert _send(factory, sync_engine, registry=registry) == ["sent", "sent"]
    mine = graph.page_comments()
    assert [(c["parent_id"], c["message"]) for c in mine] == [
        (top, "Thank you Helen"),
        (top, "Sam Okafor, Greenfield park"),
    ]
    conv = conversation.load(factory, got[nested].id, registry=registry)
    assert [m.direction for m in conv.thread].count("outbound") == 2
    assert sync_engine.sync_channel(fb_channel).inserted == 0  # our replies are known already


def test_a_reply_whose_answer_was_lost_is_found_not_posted_twice(
    factory: SessionFactory,
    graph: FakeGraph,
    fb_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    comment = graph.add_comment(graph.add_post("Appeal"), "Thanks for the update")
    sync_engine.sync_channel(fb_channel)
    _answer(
        factory,
        officer,
        supervisor,
        items(factory, fb_channel)[comment].id,
        "You're welcome",
        registry=registry,
    )
    graph.server.fail("/comments", "lost_answer", method="POST")
    assert _send(factory, sync_engine, registry=registry) == [
        "approved"
    ]  # unknown outcome: tried again later
    assert len(graph.page_comments()) == 1  # the POST was carried out
    assert _send(factory, sync_engine, registry=registry) == ["sent"]
    assert len(graph.page_comments()) == 1


def test_a_private_reply_goes_by_messenger_once_per_comment(
    factory: SessionFactory,
    graph: FakeGraph,
    fb_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    comment = graph.add_comment(graph.add_post("Appeal"), "My address is on the form I sent")
    sync_engine.sync_channel(fb_channel)
    item_id = items(factory, fb_channel)[comment].id
    _answer(
        factory,
        officer,
        supervisor,
        item_id,
        "/private Thanks, an officer will call you",
        registry=registry,
    )
    assert _send(factory, sync_engine, registry=registry) == ["sent"]
    assert graph.private_replies == [
        {"comment_id": comment, "text": "Thanks, an officer will call you"}
    ]
    assert graph.page_comments() == []  # nothing said in public
    _answer(factory, officer, supervisor, item_id, "/private and again", registry=registry)
    assert _send(factory, sync_engine, registry=registry) == ["failed"]
    reason = conversation.load(factory, item_id, registry=registry).replies[-1].failure_reason or ""
    assert "one private reply per comment" in reason


def test_messenger_is_answered_within_its_window_and_refused_after(
    factory: SessionFactory,
    graph: FakeGraph,
    fb_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    fresh = graph.add_message("Priya Shah", "Is the station open today?", psid="7001")
    old = graph.add_message("Tom Reed", "Hello?", psid="7002", minutes_ago=25 * 60)
    sync_engine.sync_channel(fb_channel)
    got = items(factory, fb_channel)
    _answer(factory, officer, supervisor, got[fresh].id, "Yes, until 6pm", registry=registry)
    _answer(factory, officer, supervisor, got[old].id, "Sorry for the delay", registry=registry)
    assert _send(factory, sync_engine, registry=registry) == ["sent", "failed"]
    assert [m["message"] for m in graph.page_messages()] == ["Yes, until 6pm"]
    reason = (
        conversation.load(factory, got[old].id, registry=registry).replies[-1].failure_reason or ""
    )
    assert "24 hours" in reason


def test_a_deleted_parent_fails_the_reply_with_the_reason(
    factory: SessionFactory,
    graph: FakeGraph,
    fb_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    comment = graph.add_comment(graph.add_post("Appeal"), "hello")
    sync_engine.sync_channel(fb_channel)
    item_id = items(factory, fb_channel)[comment].id
    _answer(factory, officer, supervisor, item_id, "Hello", registry=registry)
    graph.deleted.add(comment)
    assert _send(factory, sync_engine, registry=registry) == ["failed"]
    reason = conversation.load(factory, item_id, registry=registry).replies[-1].failure_reason or ""
    assert "deleted" in reason and graph.page_comments() == []


def test_hide_unhide_and_delete_reach_the_page_and_are_read_back(
    factory: SessionFactory,
    graph: FakeGraph,
    fb_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
) -> None:
    post = graph.add_post("Appeal")
    abuse = graph.add_comment(post, "abuse", "Troll")
    spam = graph.add_comment(post, "buy followers", "Spammer")
    sync_engine.sync_channel(fb_channel)
    got = items(factory, fb_channel)
    connector = sync_engine.connector_for(fb_channel)
    moderation.moderate(factory, officer, got[abuse].id, "hide", connector)
    assert graph.comments[abuse]["is_hidden"] is True
    hides = [r for r in graph.server.requests if r.method == "POST" and r.path.endswith(abuse)]
    assert [r.json() for r in hides] == [{"is_hidden": True}]
    with factory() as s:
        assert s.get_one(Item, got[abuse].id).source_state == "hidden"
    sync_engine.sync_channel(fb_channel, reconcile=True)
    with factory() as s:
        assert s.get_one(Item, got[abuse].id).source_state == "hidden"
    moderation.moderate(factory, officer, got[abuse].id, "unhide", connector)
    assert graph.comments[abuse]["is_hidden"] is False
    moderation.moderate(factory, officer, got[spam].id, "delete", connector)
    assert spam in graph.deleted
    connector.close()
    with factory() as s:
        assert s.get_one(Item, got[spam].id).source_state == "deleted"


def test_without_the_engagement_permission_a_hide_says_which_permission(
    factory: SessionFactory,
    graph: FakeGraph,
    fb_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
) -> None:
    abuse = graph.add_comment(graph.add_post("Appeal"), "abuse", "Troll")
    sync_engine.sync_channel(fb_channel)
    graph.scopes.discard("pages_manage_engagement")
    connector = sync_engine.connector_for(fb_channel)
    with pytest.raises(Exception, match="permission missing: pages_manage_engagement"):
        moderation.moderate(
            factory, officer, items(factory, fb_channel)[abuse].id, "hide", connector
        )
    connector.close()
    assert graph.comments[abuse]["is_hidden"] is False


def test_channel_add_facebook_from_the_command_line(graph: FakeGraph, tmp_path: Path) -> None:
    graph.add_comment(graph.add_post("Appeal"), "hello from the command line")
    graph.scopes.discard("pages_messaging")
    db = str(tmp_path / "cli.db")
    assert run_cli(db, "db", "upgrade").returncode == 0
    added = run_cli(
        db,
        *("channel", "add", "facebook", "--name", "Force Page", "--page-id", graph.page_id),
        *("--api-url", graph.url, "--secret-stdin"),
        stdin=graph.token + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert "added channel Force Page (facebook)" in added.stdout
    tested = run_cli(db, "channel", "test", "Force Page")
    assert tested.returncode == 0, tested.stderr
    assert "connected as the Page “Northshire Police”" in tested.stdout
    assert "missing permissions: pages_messaging" in tested.stdout
    synced = run_cli(db, "sync")
    assert synced.returncode == 0 and "Force Page: ok, 1 new" in synced.stdout, synced.stdout
    assert graph.token.encode() not in Path(db).read_bytes()
    no_page = run_cli(
        db, "channel", "add", "facebook", "--name", "P", "--secret-stdin", stdin="t\n"
    )
    assert no_page.returncode != 0 and "--page-id" in no_page.stderr
