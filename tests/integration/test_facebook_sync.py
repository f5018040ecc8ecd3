"""A Facebook Page through the fake Graph API: comments, Messenger, paging, reconcile and Graph's errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.store.models import Channel, Contact, Direction, Item, ItemKind, Thread
from services.workspace.actor import Actor
from tests.fakes.facebook import FakeGraph


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph(page_size=2).start()  # small pages: every list needs its cursor
    yield fake
    fake.stop()


def connect(
    factory: SessionFactory, admin: Actor, fake: FakeGraph, name: str = "Force Page"
) -> int:
    """A channel as `channel add facebook --page-id ID --api-url URL --secret-stdin` makes it."""
    config = {"page_id": fake.page_id, "url": fake.url}
    return channels_admin.add_channel(factory, admin, "facebook", name, config, fake.token).id


@pytest.fixture
def fb_channel(factory: SessionFactory, admin: Actor, graph: FakeGraph) -> int:
    return connect(factory, admin, graph)


def items(factory: SessionFactory, channel_id: int) -> dict[str, Item]:
    with factory() as s:
        return {
            i.external_id: i for i in s.scalars(select(Item).where(Item.channel_id == channel_id))
        }


def channel(factory: SessionFactory, channel_id: int) -> Channel:
    with factory() as s:
        return s.get_one(Channel, channel_id)


def test_comments_replies_and_messenger_arrive_across_pages(
    factory: SessionFactory, graph: FakeGraph, fb_channel: int, sync_engine: SyncEngine
) -> None:
    posts = [graph.add_post(f"Appeal {n}: stolen bikes in Northshire", 60 + n) for n in range(3)]
    first = graph.add_comment(posts[0], "I saw two lads with bikes at the station", "Helen Brennan")
    answer = graph.add_comment(first, "Which station?", "Sam Okafor")
    ours = graph.add_comment(first, "Thanks Helen, please DM us", person_id=graph.page_id)
    hidden = graph.add_comment(posts[2], "abuse", "Troll")
    graph.comments[hidden]["is_hidden"] = True
    extra = [graph.add_comment(posts[1], f"comment {n}", f"Person {n}") for n in range(3)]
    dm = graph.add_message("Priya Shah", "My car was broken into last night")
    result = sync_engine.sync_channel(fb_channel)
    assert (result.state, result.inserted) == ("ok", 8), result.reason
    got = items(factory, fb_channel)
    assert set(got) == {first, answer, ours, hidden, *extra, dm}
    assert got[first].kind == ItemKind.COMMENT and got[answer].kind == ItemKind.REPLY
    assert got[first].parent_external_id == posts[0]
    assert got[answer].parent_external_id == first
    assert got[ours].direction == Direction.OUTBOUND and not got[ours].needs_reply
    assert got[hidden].source_state == "hidden"
    assert got[dm].kind == ItemKind.DIRECT_MESSAGE
    assert got[first].permalink == graph.comments[first]["permalink_url"]
    with factory() as s:
        thread = s.get_one(Thread, got[first].thread_id)
        assert (
            thread.external_id == posts[0]
            and thread.title == "Appeal 0: stolen bikes in Northshire"
        )
        assert s.get_one(Contact, got[first].contact_id).display_name == "Helen Brennan"
        dm_thread = s.get_one(Thread, got[dm].thread_id)
        assert dm_thread.title == "Messenger conversation with Priya Shah"
    feed_pages = [r for r in graph.server.requests if r.path.endswith("/feed")]
    assert len(feed_pages) == 2 and feed_pages[1].query["after"]  # the cursor was followed
    assert sync_engine.sync_channel(fb_channel).inserted == 0
    later = graph.add_comment(posts[0], "Any news?", "Helen Brennan", minutes_ago=0)
    graph.add_message("Priya Shah", "Hello?", minutes_ago=0)
    assert sync_engine.sync_channel(fb_channel).inserted == 2
    assert later in items(factory, fb_channel)


def test_reconcile_catches_an_edit_a_hide_and_a_deletion(
    factory: SessionFactory, graph: FakeGraph, fb_channel: int, sync_engine: SyncEngine
) -> None:
    post = graph.add_post("Road closure on the A12")
    edited = graph.add_comment(post, "The road is shut at junction 4")
    gone = graph.add_comment(post, "something I regret")
    hid = graph.add_comment(post, "rude words")
    sync_engine.sync_channel(fb_channel)
    graph.comments[edited]["message"] = "The road is shut at junction 5, sorry"
    graph.deleted.add(gone)
    graph.comments[hid]["is_hidden"] = True  # hidden on Facebook itself by a Page admin
    sync_engine.sync_channel(fb_channel, reconcile=True)
    got = items(factory, fb_channel)
    assert "junction 5" in got[edited].body_text and got[edited].source_updated_at is not None
    assert got[gone].source_state == "deleted"
    assert got[hid].source_state == "hidden"


def test_without_the_messaging_permission_comments_arrive_and_the_channel_says_why(
    factory: SessionFactory, graph: FakeGraph, fb_channel: int, sync_engine: SyncEngine
) -> None:
    graph.scopes.discard("pages_messaging")
    graph.add_comment(graph.add_post("Open day"), "What time does it start?")
    graph.add_message("Priya Shah", "private question")
    result = sync_engine.sync_channel(fb_channel)
    assert (result.state, result.inserted) == ("ok", 1)
    assert "Messenger is not read" in (result.reason or "")
    assert "pages_messaging" in (channel(factory, fb_channel).state_reason or "")


def test_an_expired_token_stops_the_channel_with_what_to_do(
    factory: SessionFactory, graph: FakeGraph, fb_channel: int, sync_engine: SyncEngine
) -> None:
    graph.expired = True
    result = sync_engine.sync_channel(fb_channel)
    assert result.state == "error"
    assert "token expired — reconnect" in (result.reason or "")
    assert graph.token not in (result.reason or "")


@pytest.mark.parametrize("code", [32, 80001])
def test_throttling_parks_the_channel_for_metas_regain_time(
    factory: SessionFactory, graph: FakeGraph, fb_channel: int, sync_engine: SyncEngine, code: int
) -> None:
    graph.add_comment(graph.add_post("Appeal"), "hello")
    graph.throttle("/feed", code, minutes=12)
    result = sync_engine.sync_channel(fb_channel)
    assert result.state == "rate_limited" and "wait 720 s" in (result.reason or "")
    next_poll = channel(factory, fb_channel).next_poll_at
    assert next_poll is not None
    waited = (next_poll.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds()
    assert 700 < waited <= 720
    assert items(factory, fb_channel) == {}


def test_usage_near_the_limit_slows_the_channel_before_meta_blocks_it(
    factory: SessionFactory, graph: FakeGraph, fb_channel: int, sync_engine: SyncEngine
) -> None:
    graph.add_comment(graph.add_post("Appeal"), "hello")
    graph.usage["call_count"] = 80
    result = sync_engine.sync_channel(fb_channel)
    assert result.state == "ok" and "usage at 80%" in (result.reason or "")
    graph.usage["total_time"] = 93
    graph.regain_minutes = 20
    calls = len(graph.server.requests)
    result = sync_engine.sync_channel(fb_channel)
    assert result.state == "rate_limited" and "wait 1200 s" in (result.reason or "")
    assert len(graph.server.requests) == calls + 1  # parked after the first answer said 93 %


def test_app_usage_counts_too(
    factory: SessionFactory, graph: FakeGraph, fb_channel: int, sync_engine: SyncEngine
) -> None:
    graph.add_comment(graph.add_post("Appeal"), "hello")
    graph.app_usage = {"call_count": 95, "total_cputime": 10, "total_time": 10}
    result = sync_engine.sync_channel(fb_channel)
    assert result.state == "rate_limited" and "wait 900 s" in (result.reason or "")


def test_runs_without_new_comments_keep_the_cursor_where_it_was(
    factory: SessionFactory, graph: FakeGraph, fb_channel: int, sync_engine: SyncEngine
) -> None:
    comment = graph.add_comment(graph.add_post("Appeal"), "hello")
    sync_engine.sync_channel(fb_channel)
    first = channel(factory, fb_channel).cursor["since"]
    graph.deleted.add(comment)  # nothing left to read in the overlap
    sync_engine.sync_channel(fb_channel)
    sync_engine.sync_channel(fb_channel)
    assert channel(factory, fb_channel).cursor["since"] == first


def test_a_malformed_page_keeps_the_cursor_and_no_url_with_the_token_is_shown(
    factory: SessionFactory,
    graph: FakeGraph,
    fb_channel: int,
    sync_engine: SyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    post = graph.add_post("Appeal")
    graph.add_comment(post, "one")
    sync_engine.sync_channel(fb_channel)
    before = channel(factory, fb_channel).cursor
    graph.add_comment(post, "two", minutes_ago=0)
    graph.server.fail("/comments", "wrong_shape")
    result = sync_engine.sync_channel(fb_channel)
    assert result.state == "error" and "/comments" in (result.reason or "")
    assert channel(factory, fb_channel).cursor == before
    assert sync_engine.sync_channel(fb_channel).inserted == 1


def test_paging_urls_with_the_token_are_neither_requested_nor_logged(
    factory: SessionFactory,
    graph: FakeGraph,
    fb_channel: int,
    sync_engine: SyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for n in range(5):
        graph.add_comment(graph.add_post(f"post {n}"), f"comment {n}")
    graph.server.fail("/feed", times=4, status=500)
    with caplog.at_level(logging.DEBUG):
        failed = sync_engine.sync_channel(fb_channel)
        done = sync_engine.sync_channel(fb_channel)
    assert failed.state == "error" and "feed answered 500" in (failed.reason or "")
    assert (done.state, done.inserted) == ("ok", 5)
    assert graph.token not in caplog.text and graph.token not in (failed.reason or "")
    assert not any("access_token" in r.query for r in graph.server.requests)
