"""The WordPress connector against a fake WordPress on 127.0.0.1 (real HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from services.channels import admin as channels_admin
from services.channels import http
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.channels.wordpress import WordPressConnector
from services.inbox import conversation
from services.inbox import listing as inbox
from services.store.db import SessionFactory
from services.store.models import Channel, Item, Thread
from services.workspace.actor import Actor
from tests.fakes.wordpress import FakeWordPress

SPAM_SCRIPT = "<p>Cheap pills <script>alert('x')</script><a href='http://spam.example'>here</a></p>"


def _items(factory: SessionFactory, channel_id: int) -> dict[str, Item]:
    with factory() as s:
        return {
            i.external_id: i for i in s.scalars(select(Item).where(Item.channel_id == channel_id))
        }


def _channel(factory: SessionFactory, channel_id: int) -> Channel:
    with factory() as s:
        return s.get_one(Channel, channel_id)


def test_full_sync_gets_every_status_and_type_with_threads_and_parents(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> None:
    first = wp.add_comment(812, "About time!", "Jo Fielding")
    wp.add_comment(812, "Same here", "Gordon Ellis", parent=first)
    wp.add_comment(812, "Please moderate me", "Held Person", status="hold")
    wp.add_comment(812, "", "Best Deals", status="spam", html=SPAM_SCRIPT)
    wp.add_comment(812, "[…] they will answer […]", "Local News", type_="trackback")
    wp.add_comment(812, "[…] we will invite […]", "Residents", type_="pingback")
    result = sync_engine.sync_channel(wp_channel)
    assert (result.state, result.inserted) == ("ok", 6)
    items = _items(factory, wp_channel)
    assert {i.source_state for i in items.values()} == {"approved", "hold", "spam"}
    assert sorted(i.kind.value for i in items.values()) == ["comment"] * 4 + [
        "pingback",
        "trackback",
    ]
    reply = next(i for i in items.values() if i.parent_external_id)
    assert reply.parent_external_id == str(first)
    spam = next(i for i in items.values() if i.source_state == "spam")
    assert spam.status.value == "spam" and "<script" not in (spam.body_html or "")
    assert "<script>" in str(spam.raw)  # the raw payload is kept for the record
    assert items[str(first)].created_at.tzinfo is not None
    with factory() as s:
        thread = s.scalar(select(Thread).where(Thread.channel_id == wp_channel))
    assert thread is not None and thread.title == (
        "We\u2019re recruiting: a social media engagement officer"
    )
    assert _channel(factory, wp_channel).state == "ok"


def test_pages_are_followed_and_a_second_run_fetches_only_new_comments(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> None:
    for n in range(250):
        wp.add_comment(812, f"comment {n}")
    assert sync_engine.sync_channel(wp_channel).inserted == 250
    wp.server.requests.clear()
    for n in range(3):
        wp.add_comment(812, f"late comment {n}")
    again = sync_engine.sync_channel(wp_channel)
    assert (again.inserted, again.updated) == (3, 0)
    pages = [
        r.query.get("page", ["1"])[0] for r in wp.server.requests if r.path.endswith("/comments")
    ]
    assert set(pages) == {"1"}  # stopped at the stored highest id
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Item)) == 253


def test_page_past_the_end_as_400_ends_paging(
    factory: SessionFactory, admin: Actor, sync_engine: SyncEngine
) -> None:
    fake = FakeWordPress(page_past_end_400=True).start()
    try:
        fake.add_post(1, "Post")
        for n in range(100):
            fake.add_comment(1, f"c{n}")
        view = channels_admin.add_channel(
            factory,
            admin,
            "wordpress",
            "Blog 400",
            {"url": fake.site, "login": fake.login},
            secret=fake.password,
        )
        result = sync_engine.sync_channel(view.id)
        assert (result.state, result.inserted) == ("ok", 100)
    finally:
        fake.stop()


def test_rejected_credentials_stop_the_channel_and_say_so(
    factory: SessionFactory, admin: Actor, wp: FakeWordPress, sync_engine: SyncEngine
) -> None:
    wp.add_comment(812, "hello")
    view = channels_admin.add_channel(
        factory,
        admin,
        "wordpress",
        "Wrong password",
        {"url": wp.site, "login": wp.login},
        secret="wrong",
    )
    result = sync_engine.sync_channel(view.id)
    assert (
        result.state == "error"
        and result.reason
        and result.reason.startswith("credentials rejected")
    )
    assert "wrong" not in result.reason and _items(factory, view.id) == {}
    assert _channel(factory, view.id).cursor == {}


def test_429_with_retry_after_then_success(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> None:
    wp.add_comment(812, "hello")
    wp.server.fail(
        "/wp/v2/comments",
        status=429,
        headers={"Retry-After": "2"},
        body={"code": "too_many", "message": "slow down"},
    )
    assert sync_engine.sync_channel(wp_channel).inserted == 1
    assert http._retry_hook(http.RateLimited(2.0)) == 2.0  # the wait stamina sleeps in production


def test_long_rate_limit_parks_the_channel_until_the_platform_allows(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> None:
    wp.server.fail("/wp/v2/comments", status=429, headers={"Retry-After": "600"})
    result = sync_engine.sync_channel(wp_channel)
    assert result.state == "rate_limited"
    next_poll = _channel(factory, wp_channel).next_poll_at
    assert next_poll is not None and next_poll > datetime.now(UTC) + timedelta(seconds=590)
    assert wp_channel not in sync_engine.channel_ids(due_only=True)


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    headers = httpx.Headers({"Retry-After": "Tue, 24 Nov 2026 10:00:30 GMT"})
    assert http.retry_after_seconds(headers, now) == 30.0
    assert http.retry_after_seconds(httpx.Headers({"Retry-After": "45"}), now) == 45.0


def test_5xx_is_retried_then_puts_only_that_channel_in_error(
    factory: SessionFactory,
    admin: Actor,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
) -> None:
    wp.add_comment(812, "hello")
    wp.server.fail("/wp/v2/comments", status=500, times=3)
    assert (
        sync_engine.sync_channel(wp_channel).state == "ok"
    )  # three failures, fourth attempt works
    other = FakeWordPress().start()
    try:
        other.add_post(1, "Other blog")
        other.add_comment(1, "fine here")
        second = channels_admin.add_channel(
            factory,
            admin,
            "wordpress",
            "Other blog",
            {"url": other.site, "login": other.login},
            secret=other.password,
        )
        wp.server.fail("/wp/v2/comments", status=503, times=50)
        results = {r.channel: r for r in sync_engine.sync_many([wp_channel, second.id])}
        assert results["Force blog"].state == "error" and "503" in (
            results["Force blog"].reason or ""
        )
        assert results["Other blog"].state == "ok" and results["Other blog"].inserted == 1
    finally:
        other.stop()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("truncate", "connection failed"),
        ("wrong_shape", "wrong shape"),
        ("big", "the limit is 10,485,760"),
    ],
)
def test_bad_payloads_error_the_channel_without_moving_the_cursor(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    kind: str,
    message: str,
) -> None:
    wp.add_comment(812, "first")
    sync_engine.sync_channel(wp_channel)
    cursor = _channel(factory, wp_channel).cursor
    wp.add_comment(812, "second")
    wp.server.fail("/wp/v2/comments", kind=kind, times=10)
    result = sync_engine.sync_channel(wp_channel)
    assert result.state == "error" and message in (result.reason or "")
    assert "?" not in (result.reason or "")  # no query strings (tokens) in messages
    assert _channel(factory, wp_channel).cursor == cursor
    wp.server.faults.clear()
    assert sync_engine.sync_channel(wp_channel).inserted == 1  # nothing was lost


def test_a_server_that_never_answers_times_out(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(http, "TIMEOUT", httpx.Timeout(0.5))
    wp.server.hang_seconds = 3
    wp.server.fail("/wp/v2/comments", kind="hang", times=10)
    result = sync_engine.sync_channel(wp_channel)
    assert result.state == "error" and "did not answer in time" in (result.reason or "")


def test_reconcile_catches_edits_status_changes_and_deletions(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> None:
    keep = wp.add_comment(812, "original words")
    gone = wp.add_comment(812, "soon deleted")
    spam = wp.add_comment(812, "actually spam")
    sync_engine.sync_channel(wp_channel)
    wp.comments[keep]["content"]["rendered"] = "<p>edited words</p>"
    del wp.comments[gone]
    wp.comments[spam]["status"] = "spam"
    sync_engine.sync_channel(wp_channel, reconcile=True)
    items = _items(factory, wp_channel)
    assert items[str(keep)].body_text == "edited words"
    assert items[str(gone)].source_state == "deleted"
    assert items[str(spam)].source_state == "spam" and items[str(spam)].status.value == "spam"
    assert len(items) == 3


def test_synced_items_are_searchable_and_show_in_the_inbox(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    registry: Registry,
) -> None:
    wp.add_comment(812, "My letter to the station was never answered", "Helen Brennan")
    sync_engine.sync_channel(wp_channel)
    ids = inbox.item_ids(factory, inbox.Query('is:inbox "letter to the station" from:helen'))
    assert len(ids) == 1
    conv = conversation.load(factory, ids[0], registry=registry)
    assert conv.thread_title and conv.item.author == "Helen Brennan"


def test_a_site_with_plain_permalinks_is_read_at_rest_route_with_paging_params_combined(
    factory: SessionFactory, admin: Actor, sync_engine: SyncEngine
) -> None:
    fake = FakeWordPress(plain_permalinks=True).start()
    try:
        fake.add_post(1, "Post")
        for n in range(150):
            fake.add_comment(1, f"c{n}")
        view = channels_admin.add_channel(
            factory,
            admin,
            "wordpress",
            "Fresh blog",
            {"url": fake.site, "login": fake.login},
            secret=fake.password,
        )
        result = sync_engine.sync_channel(view.id)
        assert (result.state, result.inserted) == ("ok", 150), result.reason
        pages = [
            r.query
            for r in fake.server.requests
            if r.query.get("rest_route") == ["/wp/v2/comments"]
        ]
        assert {r.path for r in fake.server.requests if r.query} == {"/index.php"}
        assert ["2"] in [q.get("page") for q in pages]
        assert _channel(factory, view.id).cursor["api_root"] == fake.api_root
    finally:
        fake.stop()


def test_a_stored_api_root_that_answers_a_page_is_found_again(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> None:
    wp.add_comment(812, "first")
    sync_engine.sync_channel(wp_channel)
    assert _channel(factory, wp_channel).cursor["api_root"].endswith("/wp-json/")
    wp.plain_permalinks = True  # the site's permalinks were reset: /wp-json/ is now a page
    wp.add_comment(812, "second")
    result = sync_engine.sync_channel(wp_channel)
    assert (result.state, result.inserted) == ("ok", 1), result.reason
    assert "rest_route=" in _channel(factory, wp_channel).cursor["api_root"]


def test_an_address_where_no_rest_api_answers_says_so(
    factory: SessionFactory, wp: FakeWordPress, wp_channel: int, sync_engine: SyncEngine
) -> None:
    wp.server.fail("/wp/v2/", kind="wrong_type", times=20)  # every answer an HTML page
    result = sync_engine.sync_channel(wp_channel)
    assert result.state == "error" and "not the WordPress REST API" in (result.reason or "")
    assert "?" not in (result.reason or "")


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", "12a"), ("date_gmt", None), ("post", "a post"), ("parent", [1])],
)
def test_a_malformed_comment_field_errors_the_channel_naming_field_and_endpoint(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    field: str,
    value: object,
) -> None:
    cid = wp.add_comment(812, "hello")
    if value is None:
        del wp.comments[cid][field]
    else:
        wp.comments[cid][field] = value
    result = sync_engine.sync_channel(wp_channel)
    assert result.state == "error", result.reason
    assert f"'{field}'" in (result.reason or "") and "wp/v2/comments" in (result.reason or "")
    assert _items(factory, wp_channel) == {}


def test_titles_and_names_arrive_as_html_and_are_stored_as_text(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    registry: Registry,
) -> None:
    wp.add_post(900, "T&#8211;itle &amp; more")
    wp.add_comment(900, "hello", "Jo &amp; Sam")
    sync_engine.sync_channel(wp_channel)
    with factory() as s:
        title = s.scalar(select(Thread.title).where(Thread.external_id == "900"))
    assert title == "T\u2013itle & more"
    (item,) = _items(factory, wp_channel).values()
    assert conversation.load(factory, item.id, registry=registry).item.author == "Jo & Sam"


def test_channel_test_names_the_api_root_it_found(wp: FakeWordPress) -> None:
    wp.plain_permalinks = True
    connector = WordPressConnector(wp.site, wp.login, wp.password)
    try:
        assert connector.test() == "connected as Engagement Team"
        assert connector.address == f"{wp.site}/index.php?rest_route=/"
    finally:
        connector.close()
