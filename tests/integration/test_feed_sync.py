"""RSS/Atom feeds against a fake feed server: conditional GET, bozo policy, errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.answers import replies
from services.channels import admin as channels_admin
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.errors import InvalidInput
from services.store.db import SessionFactory
from services.store.models import Item, ItemKind
from services.workspace.actor import Actor
from tests.builders import feed_channel
from tests.fakes.feeds import FakeFeeds

_add = feed_channel


def _items(factory: SessionFactory, channel_id: int) -> list[Item]:
    with factory() as s:
        return list(s.scalars(select(Item).where(Item.channel_id == channel_id).order_by(Item.id)))


def test_rss_entries_become_read_only_items_and_304_changes_nothing(
    factory: SessionFactory,
    admin: Actor,
    officer: Actor,
    feeds: FakeFeeds,
    sync_engine: SyncEngine,
    registry: Registry,
) -> None:
    ch = _add(factory, admin, feeds.url("/rss"))
    assert sync_engine.sync_channel(ch).inserted == 2
    items = _items(factory, ch)
    assert {i.kind for i in items} == {ItemKind.FEED_ENTRY} and not any(
        i.needs_reply for i in items
    )
    assert "<script" not in (items[0].body_html or "") and "tracker.example" not in (
        items[0].body_html or ""
    )
    no_guid = next(i for i in items if "Missing" in i.body_text)
    assert (
        no_guid.external_id == "https://northvale.example/appeals/2"
    )  # link stands in for the guid
    again = sync_engine.sync_channel(ch)
    assert (again.state, again.inserted, again.updated) == ("ok", 0, 0)
    assert feeds.server.requests[-1].headers.get("If-None-Match") == '"v1"'
    with pytest.raises(InvalidInput, match="read-only"):
        replies.save_draft(factory, officer, items[0].id, "a reply", registry=registry)


def test_atom_and_wordpress_comment_feed(
    factory: SessionFactory, admin: Actor, feeds: FakeFeeds, sync_engine: SyncEngine
) -> None:
    atom = _add(factory, admin, feeds.url("/atom"))
    assert sync_engine.sync_channel(atom).inserted == 1
    wp = channels_admin.add_channel(
        factory,
        admin,
        "feed",
        "Blog comments (public feed)",
        {"url": feeds.url("/comments/feed/"), "wordpress_comments": True},
    ).id
    sync_engine.sync_channel(wp)
    [comment] = _items(factory, wp)
    assert (comment.external_id, comment.kind) == ("41", ItemKind.COMMENT)


def test_broken_but_trustworthy_feed_is_kept_with_a_warning(
    factory: SessionFactory, admin: Actor, feeds: FakeFeeds, sync_engine: SyncEngine
) -> None:
    ch = _add(factory, admin, feeds.url("/broken"))
    result = sync_engine.sync_channel(ch)
    assert (
        result.state == "ok" and result.inserted >= 1 and "not well-formed" in (result.reason or "")
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/untrusted", "invalid feed"),
        ("/html", "not a feed"),
        ("/gone", "feed gone"),
        ("/nothing-here", "answered 404"),
    ],
)
def test_bad_feeds_put_the_channel_in_error(
    factory: SessionFactory,
    admin: Actor,
    feeds: FakeFeeds,
    sync_engine: SyncEngine,
    path: str,
    message: str,
) -> None:
    ch = _add(factory, admin, feeds.url(path))
    result = sync_engine.sync_channel(ch)
    assert result.state == "error" and message in (result.reason or ""), result.reason
    assert _items(factory, ch) == []


def test_odd_but_readable_feeds_are_kept(
    factory: SessionFactory, admin: Actor, feeds: FakeFeeds, sync_engine: SyncEngine
) -> None:
    channels = {}
    for path in ("/latin1", "/plain", "/moved"):
        channels[path] = ch = _add(factory, admin, feeds.url(path))
        result = sync_engine.sync_channel(ch)
        assert result.state == "ok" and result.inserted == 2, (path, result)
    texts = " ".join(i.body_text for i in _items(factory, channels["/latin1"]))
    assert "owner thanks public" in texts  # the mis-declared byte did not lose the entry


UNDATED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Appeals</title>
<link>https://northvale.example/</link>
<item><title>Undated appeal</title><guid isPermaLink="false">u-1</guid>
<description>No date given</description></item>
<item><title>Dated appeal</title><guid isPermaLink="false">d-1</guid>
<pubDate>Sun, 22 Nov 2026 18:00:00 +0000</pubDate><description>dated</description></item>
</channel></rss>"""


def test_an_entry_without_a_date_arrives_at_the_fetch_time_and_says_so(
    factory: SessionFactory,
    admin: Actor,
    feeds: FakeFeeds,
    sync_engine: SyncEngine,
    registry: Registry,
) -> None:
    from services.inbox import conversation

    feeds.docs["/undated"] = (UNDATED, "application/rss+xml")
    ch = _add(factory, admin, feeds.url("/undated"))
    assert sync_engine.sync_channel(ch).inserted == 2
    by_title = {i.body_text.split("\n")[0]: i for i in _items(factory, ch)}
    undated = next(i for t, i in by_title.items() if "Undated" in t)
    dated = next(i for t, i in by_title.items() if t.startswith("Dated"))
    assert undated.posted_at_estimated and undated.created_at == undated.received_at
    assert not dated.posted_at_estimated and dated.created_at < dated.received_at
    view = conversation.load(factory, undated.id, registry=registry)
    assert (
        view.item.time_estimated
        and not conversation.load(factory, dated.id, registry=registry).item.time_estimated
    )
