"""Every channel keeps each item's bytes exactly as its platform sent them, and bundles hand them over.

The fakes answer in unusual but valid spellings (tabs and CRLF between tokens,
`\\u00e9` and surrogate-pair escapes, `\\/`, or raw UTF-8), so a payload that was
re-serialised instead of cut from the answer would not be found in what was sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels.sync import SyncEngine
from services.records import payloads
from services.records.evidence import Scope, export_evidence, verify_bundle
from services.store.db import SessionFactory
from services.store.models import Direction, Item
from services.workspace.actor import Actor
from tests.builders import feed_channel
from tests.fakes.bluesky import FakeBluesky
from tests.fakes.facebook import FakeGraph
from tests.fakes.feeds import FakeFeeds
from tests.fakes.http_server import FakeServer, Reply, Request
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.x import FakeX

LONDON = ZoneInfo("Europe/London")
WORDS = "Zoë said “I’ll wait outside” 🚲 https://example.org/a/b"


def _oddly_spelled(server: FakeServer) -> list[bytes]:
    """Answer JSON in odd but valid spellings, alternating escapes and raw UTF-8; keep what was sent."""
    sent: list[bytes] = []
    handle, turn = server.handler, count()

    def spy(req: Request) -> Reply:
        reply = handle(req)
        if isinstance(reply.body, bytes):
            return reply
        escaped = next(turn) % 2 == 0
        text = json.dumps(
            reply.body, ensure_ascii=escaped, indent="\t", separators=(" ,\r\n", " :  ")
        )
        body = text.replace("/", "\\/").encode()
        sent.append(body)
        return Reply(reply.status, body, reply.headers, reply.content_type)

    server.handler = spy
    return sent


def _inbound(factory: SessionFactory, channel_id: int) -> list[Item]:
    with factory() as s:
        return list(
            s.scalars(
                select(Item).where(
                    Item.channel_id == channel_id, Item.direction == Direction.INBOUND
                )
            )
        )


def _check_exact(
    factory: SessionFactory, channel_id: int, sent: list[bytes], own: Callable[[Any], bool]
) -> list[Item]:
    """Each inbound item's payload is one object cut from one answer, and it is this item's."""
    items = _inbound(factory, channel_id)
    assert items
    with factory() as s:
        for item in items:
            [kept] = payloads.payloads(s, item.id)
            assert kept.media_type == "application/json"
            assert any(kept.body in body for body in sent), item.external_id
            assert own(json.loads(kept.body)), item.external_id
    return items


def _bundle_says_as_received(
    factory: SessionFactory, officer: Actor, item_id: int, tmp_path: Path
) -> bytes:
    bundle = export_evidence(
        factory, officer, Scope("item", item_id), tmp_path / "out", "Threat", LONDON
    )
    manifest = json.loads((bundle.folder / "manifest.json").read_text())
    [listed] = manifest["payloads"]
    assert listed["as_received"] is True
    check = verify_bundle(factory, bundle.folder)
    assert check.ok, check.problems
    payload = bundle.folder / listed["path"]
    original = payload.read_bytes()
    payload.write_bytes(original.replace(b":", b" :", 1))  # still the same JSON, not the same bytes
    assert json.loads(payload.read_bytes()) == json.loads(original)
    assert any(listed["path"] in p for p in verify_bundle(factory, bundle.folder).problems)
    return original


@pytest.fixture
def masto() -> Iterator[FakeMastodon]:
    fake = FakeMastodon().start()
    yield fake
    fake.stop()


def test_mastodon_keeps_each_notification_as_sent(
    factory: SessionFactory, admin: Actor, officer: Actor, masto: FakeMastodon,
    sync_engine: SyncEngine, tmp_path: Path,
) -> None:  # fmt: skip
    sent = _oddly_spelled(masto.server)
    alice = masto.add_account("alice", "Zoë Moreau", domain="other.example")
    appeal = masto.post(masto.me, "Appeal", mention_us=False)
    masto.post(alice, f"@police {WORDS}", in_reply_to=appeal)
    masto.post(alice, "@police a second one", visibility="direct")
    ch = channels_admin.add_channel(
        factory, admin, "mastodon", "M", {"url": masto.url}, masto.token
    ).id
    sync_engine.sync_channel(ch)
    items = _check_exact(
        factory, ch, sent, lambda n: n["type"] == "mention" and isinstance(n["status"], dict)
    )
    assert len(items) == 2
    _bundle_says_as_received(factory, officer, items[0].id, tmp_path)


@pytest.fixture
def bsky() -> Iterator[FakeBluesky]:
    fake = FakeBluesky().start()
    yield fake
    fake.stop()


def test_bluesky_keeps_each_notification_as_sent(
    factory: SessionFactory, admin: Actor, officer: Actor, bsky: FakeBluesky,
    sync_engine: SyncEngine, tmp_path: Path,
) -> None:  # fmt: skip
    sent = _oddly_spelled(bsky.server)
    alice = bsky.add_account("alice.example.social", "Zoë Moreau")
    appeal = bsky.post(bsky.me, "Appeal: have you seen this red bicycle?")
    bsky.post(alice, WORDS, reply_to=appeal)
    bsky.post(alice, "@police.example.social look", mention_us=True)
    handle = bsky.accounts[bsky.me]["handle"]
    config = {"url": bsky.url, "login": handle}
    ch = channels_admin.add_channel(
        factory, admin, "bluesky", "B", config, bsky.passwords[handle]
    ).id
    sync_engine.sync_channel(ch)
    items = _check_exact(factory, ch, sent, lambda n: n["uri"].startswith("at://"))
    assert len(items) == 2
    _bundle_says_as_received(factory, officer, items[0].id, tmp_path)


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph(page_size=2).start()
    yield fake
    fake.stop()


def test_facebook_keeps_each_comment_and_message_as_sent(
    factory: SessionFactory, admin: Actor, officer: Actor, graph: FakeGraph,
    sync_engine: SyncEngine, tmp_path: Path,
) -> None:  # fmt: skip
    sent = _oddly_spelled(graph.server)
    post = graph.add_post("Appeal: stolen bikes")
    first = graph.add_comment(post, WORDS, "Zoë Brennan")
    graph.add_comment(first, "Which station?", "Sam Okafor")
    for n in range(3):  # more than a page of comments
        graph.add_comment(post, f"comment {n}", f"Person {n}")
    graph.add_message("Priya Shah", "My car was broken into — “last night”")
    config = {"page_id": graph.page_id, "url": graph.url}
    ch = channels_admin.add_channel(factory, admin, "facebook", "F", config, graph.token).id
    sync_engine.sync_channel(ch)
    items = _check_exact(factory, ch, sent, lambda c: isinstance(c.get("id"), str))
    assert len(items) == 6
    with factory() as s:
        theirs = s.scalar(select(Item.id).where(Item.external_id == first))
    assert theirs is not None
    said = json.loads(_bundle_says_as_received(factory, officer, theirs, tmp_path))
    assert said["message"] == WORDS and said["from"]["name"] == "Zoë Brennan"


@pytest.fixture
def xfake() -> Iterator[FakeX]:
    fake = FakeX(page_size=2).start()
    yield fake
    fake.stop()


def test_x_keeps_each_post_and_direct_message_as_sent(
    factory: SessionFactory, admin: Actor, officer: Actor, xfake: FakeX,
    sync_engine: SyncEngine, tmp_path: Path,
) -> None:  # fmt: skip
    sent = _oddly_spelled(xfake.server)
    alice = xfake.add_user("alice_m", "Zoë Moreau")
    for n in range(3):  # more than a page of mentions
        xfake.post(alice, f"@NorthshirePolice {WORDS} {n}")
    xfake.add_dm(alice, "My neighbour is being threatened")
    ch = channels_admin.add_channel(factory, admin, "x", "X", {"url": xfake.url}, xfake.token).id
    sync_engine.sync_channel(ch)
    items = _check_exact(factory, ch, sent, lambda p: isinstance(p.get("id"), str))
    assert len(items) == 4
    _bundle_says_as_received(factory, officer, items[0].id, tmp_path)


ODD_FEED = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!-- <item> in a comment -->
<rss version="2.0"><channel><title>Appeals</title><link>https://northvale.example</link>
<item><title>Café fire</title><guid isPermaLink="false">a-1</guid>
<description><![CDATA[<p>Text with </item> inside</p>]]></description></item>
<item  ><title>Second</title><guid isPermaLink="false">a-2</guid><description>a &amp; b</description></item >
</channel></rss>""".encode("latin-1")


def test_a_feed_keeps_each_entry_element_as_fetched(
    factory: SessionFactory, admin: Actor, officer: Actor, feeds: FakeFeeds,
    sync_engine: SyncEngine, tmp_path: Path,
) -> None:  # fmt: skip
    feeds.docs["/odd"] = (ODD_FEED, "application/rss+xml")
    ch = feed_channel(factory, admin, feeds.url("/odd"))
    assert sync_engine.sync_channel(ch).inserted == 2
    with factory() as s:
        item = s.scalars(select(Item).where(Item.external_id == "a-1")).one()
        [kept] = payloads.payloads(s, item.id)
    assert kept.media_type == "application/xml; charset=iso-8859-1"
    assert kept.body == (
        '<item><title>Café fire</title><guid isPermaLink="false">a-1</guid>\n'
        "<description><![CDATA[<p>Text with </item> inside</p>]]></description></item>"
    ).encode("latin-1")
    assert kept.body in ODD_FEED
    bundle = export_evidence(factory, officer, Scope("item", item.id), tmp_path / "o", "r", LONDON)
    [listed] = json.loads((bundle.folder / "manifest.json").read_text())["payloads"]
    assert listed["as_received"] is True and listed["path"].endswith(".xml")
    assert (bundle.folder / listed["path"]).read_bytes() == kept.body
    assert verify_bundle(factory, bundle.folder).ok


def test_a_feed_that_is_not_well_formed_keeps_its_entries_as_parsed_only(
    factory: SessionFactory, admin: Actor, feeds: FakeFeeds, sync_engine: SyncEngine
) -> None:
    ch = feed_channel(factory, admin, feeds.url("/broken"))
    assert sync_engine.sync_channel(ch).inserted == 2
    with factory() as s:
        ids = s.scalars(select(Item.id).where(Item.channel_id == ch)).all()
        assert all(payloads.payloads(s, i) == [] for i in ids)
