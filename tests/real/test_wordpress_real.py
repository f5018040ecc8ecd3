"""The WordPress channel against a real WordPress installed from Debian, with its default settings.

Each test re-seeds the session's site from PHP; what WordPress really does
(plain permalinks, entities in titles, its own REST answers) is what we meet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import select

from services.answers import outbox, replies, review
from services.channels import admin as channels_admin
from services.channels import moderation
from services.channels.protocol import Connector, Registry, ReplyTarget, SentReply
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.store.models import Channel, Contact, Item, Reply, ReplyState, Thread
from services.workspace.actor import Actor
from tests.e2e.test_cli import run as run_cli
from tests.real.conftest import connect
from tests.real.wordpress_site import PLAIN, PRETTY, Seed, WordPressSite

pytestmark = pytest.mark.wordpress_real

TITLE = "We're recruiting - a social media engagement officer"
SPAM = "Cheap pills <script>alert('x')</script>"


def _items(factory: SessionFactory, channel_id: int) -> dict[str, Item]:
    with factory() as s:
        rows = s.scalars(select(Item).where(Item.channel_id == channel_id))
        return {i.external_id: i for i in rows}


def _channel(factory: SessionFactory, channel_id: int) -> Channel:
    with factory() as s:
        return s.get_one(Channel, channel_id)


def _blog_post(site: WordPressSite, *comments: dict[str, Any]) -> tuple[int, list[int]]:
    """A post with comments (each `parent` an index into the ones before it); their ids."""
    ops: list[dict[str, Any]] = [{"op": "post", "title": TITLE}]
    for n, c in enumerate(comments):
        op = {"op": "comment", "post_of": 0, "offset": n, **c}
        if "parent" in c:
            op["parent_of"] = 1 + op.pop("parent")
        ops.append(op)
    post, *ids = site.run(*ops)
    return post, ids


def _trackback(site: WordPressSite, post: int) -> None:
    """A trackback as another blog sends it: a form POST to wp-trackback.php."""
    (url,) = site.run({"op": "trackback_url", "post": post})
    resp = httpx.post(
        url,
        data={
            "url": "http://news.example/police-recruit",
            "title": "Police recruit a social media officer",
            "excerpt": "The force says it will answer",
            "blog_name": "Local News",
        },
        timeout=30,
    )
    assert resp.status_code == 200 and "<error>0</error>" in resp.text, resp.text


@pytest.mark.parametrize(
    ("permalinks", "root_part"), [(PLAIN, "?rest_route=/"), (PRETTY, "/wp-json/")]
)
def test_sync_reads_every_kind_of_comment_through_the_announced_api_root(
    factory: SessionFactory,
    admin: Actor,
    wp_site: WordPressSite,
    sync_engine: SyncEngine,
    permalinks: str,
    root_part: str,
) -> None:
    seed = wp_site.reset(permalinks)
    post, (first, reply, held, spam, ping) = _blog_post(
        wp_site,
        {"content": "About time!", "author": "Jo Fielding &amp; family"},
        {"content": "Same here", "author": "Gordon Ellis", "parent": 0},
        {"content": "Please moderate me", "author": "Held Person", "status": "hold"},
        {"content": SPAM, "author": "Best Deals", "status": "spam"},
        {"content": "[...] we will invite [...]", "author": "Residents", "type": "pingback"},
    )
    _trackback(wp_site, post)
    channel_id = connect(factory, admin, wp_site, seed)

    result = sync_engine.sync_channel(channel_id)

    assert (result.state, result.inserted) == ("ok", 6), result.reason
    items = _items(factory, channel_id)
    assert items[str(reply)].parent_external_id == str(first)
    assert items[str(held)].source_state == "hold"
    assert items[str(spam)].status.value == "spam" and "<script" not in (
        items[str(spam)].body_html or ""
    )
    assert items[str(ping)].kind.value == "pingback"
    assert [i.kind.value for i in items.values()].count("trackback") == 1
    with factory() as s:
        titles = list(s.scalars(select(Thread.title).where(Thread.channel_id == channel_id)))
    assert titles == ["We\u2019re recruiting \u2013 a social media engagement officer"]
    assert "Jo Fielding & family" in _authors(factory, channel_id)
    root = _channel(factory, channel_id).cursor["api_root"]
    assert root.startswith(wp_site.site) and root_part in root


def _authors(factory: SessionFactory, channel_id: int) -> set[str]:
    with factory() as s:
        rows = s.scalars(
            select(Contact.display_name)
            .join(Item, Item.contact_id == Contact.id)
            .where(Item.channel_id == channel_id)
        )
        return set(rows)


@pytest.mark.parametrize("permalinks", [PLAIN, PRETTY])
def test_a_site_in_a_subfolder_is_found_from_its_home_page(
    factory: SessionFactory,
    admin: Actor,
    wp_blog_site: WordPressSite,
    sync_engine: SyncEngine,
    permalinks: str,
) -> None:
    seed = wp_blog_site.reset(permalinks)
    _blog_post(wp_blog_site, {"content": "Hello from the blog folder"})
    channel_id = connect(factory, admin, wp_blog_site, seed)
    result = sync_engine.sync_channel(channel_id)
    assert (result.state, result.inserted) == ("ok", 1), result.reason
    assert _channel(factory, channel_id).cursor["api_root"].startswith(wp_blog_site.site)


def test_a_stored_api_root_that_stops_answering_is_found_again(
    factory: SessionFactory, admin: Actor, wp_site: WordPressSite, sync_engine: SyncEngine
) -> None:
    seed = wp_site.reset(PRETTY)
    post, _ids = _blog_post(wp_site, {"content": "first"})
    channel_id = connect(factory, admin, wp_site, seed)
    assert sync_engine.sync_channel(channel_id).inserted == 1
    assert "/wp-json/" in _channel(factory, channel_id).cursor["api_root"]
    # The site goes back to plain permalinks: /wp-json/ now answers the home page.
    wp_site.run({"op": "permalinks", "permalinks": PLAIN})
    wp_site.run({"op": "comment", "post": post, "content": "second", "offset": 5})
    result = sync_engine.sync_channel(channel_id)
    assert (result.state, result.inserted) == ("ok", 1), result.reason
    assert "rest_route=" in _channel(factory, channel_id).cursor["api_root"]


def test_each_moderation_action_changes_the_comment_on_wordpress(
    factory: SessionFactory,
    admin: Actor,
    wp_site: WordPressSite,
    sync_engine: SyncEngine,
) -> None:
    seed = wp_site.reset(PLAIN)
    _post, (held,) = _blog_post(wp_site, {"content": "Held for review", "status": "hold"})
    channel_id = connect(factory, admin, wp_site, seed)
    sync_engine.sync_channel(channel_id)
    with factory() as s:
        item_id = s.scalar(select(Item.id).where(Item.external_id == str(held)))
    assert item_id is not None
    seen = []
    for action in ("approve", "hold", "spam", "approve", "trash"):
        connector = sync_engine.connector_for(channel_id)
        try:
            moderation.moderate(factory, admin, item_id, action, connector)
        finally:
            connector.close()
        (comment,) = [c for c in wp_site.comments() if c["id"] == held]
        seen.append(comment["status"])
    assert seen == ["approved", "unapproved", "spam", "approved", "trash"]


def _approved_reply(
    factory: SessionFactory,
    officer: Actor,
    supervisor: Actor,
    external_id: int,
    text: str,
    *,
    registry: Registry,
) -> int:
    with factory() as s:
        item_id = s.scalar(select(Item.id).where(Item.external_id == str(external_id)))
    assert item_id is not None
    draft = replies.save_draft(factory, officer, item_id, text, registry=registry)
    replies.submit(factory, officer, draft.reply_id, registry=registry)
    review.approve(factory, supervisor, draft.reply_id, registry=registry)
    return draft.reply_id


def _ours(site: WordPressSite, seed: Seed) -> list[dict[str, Any]]:
    return [c for c in site.comments() if c["user_id"] == seed.user_id]


def test_an_approved_reply_is_posted_once_under_the_right_parent(
    factory: SessionFactory,
    admin: Actor,
    officer: Actor,
    supervisor: Actor,
    wp_site: WordPressSite,
    sync_engine: SyncEngine,
    registry: Registry,
) -> None:
    seed = wp_site.reset(PLAIN)
    post, (_other, asked) = _blog_post(
        wp_site,
        {"content": "Great news"},
        {"content": "Will you answer letters too?", "author": "Helen Brennan"},
    )
    channel_id = connect(factory, admin, wp_site, seed)
    sync_engine.sync_channel(channel_id)
    text = "Yes, Helen: the inspector will call you."
    _approved_reply(factory, officer, supervisor, asked, text, registry=registry)

    assert [
        r.state for r in outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    ] == ["sent"]
    assert outbox.send_pending(factory, sync_engine.connector_for, registry=registry) == []

    (posted,) = _ours(wp_site, seed)
    assert (posted["post"], posted["parent"], posted["status"]) == (post, asked, "approved")
    assert posted["content"] == text


class _KilledAfterPosting(BaseException):
    """The worker process dies: nothing after the POST runs (not an Exception: nothing catches it)."""


class _DiesAfterPost:
    """The real connector, but the worker is killed the moment WordPress has the reply."""

    def __init__(self, real: Connector) -> None:
        self._real = real

    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        self._real.send_reply(target, body)
        raise _KilledAfterPosting

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_a_worker_killed_after_posting_finds_the_reply_and_does_not_post_twice(
    factory: SessionFactory,
    admin: Actor,
    officer: Actor,
    supervisor: Actor,
    wp_site: WordPressSite,
    sync_engine: SyncEngine,
    registry: Registry,
) -> None:
    seed = wp_site.reset(PLAIN)
    _post, (asked,) = _blog_post(wp_site, {"content": "Is anyone reading these?"})
    channel_id = connect(factory, admin, wp_site, seed)
    sync_engine.sync_channel(channel_id)
    reply_id = _approved_reply(
        factory, officer, supervisor, asked, "Yes, Lena: every message is read.", registry=registry
    )

    with pytest.raises(_KilledAfterPosting):
        outbox.send_pending(
            factory,
            lambda cid: cast(Connector, _DiesAfterPost(sync_engine.connector_for(cid))),
            registry=registry,
        )
    with factory() as s:
        assert s.get_one(Reply, reply_id).state == ReplyState.SENDING
    assert len(_ours(wp_site, seed)) == 1  # on the blog, not yet recorded here

    assert [
        r.state for r in outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    ] == ["sent"]
    (posted,) = _ours(wp_site, seed)
    assert posted["parent"] == asked
    with factory() as s:
        assert s.get_one(Reply, reply_id).external_id == str(posted["id"])


def test_reconcile_sees_edits_status_changes_and_permanent_deletions(
    factory: SessionFactory, admin: Actor, wp_site: WordPressSite, sync_engine: SyncEngine
) -> None:
    seed = wp_site.reset(PLAIN)
    _post, (keep, gone, spam) = _blog_post(
        wp_site, {"content": "original words"}, {"content": "soon gone"}, {"content": "spammy"}
    )
    channel_id = connect(factory, admin, wp_site, seed)
    sync_engine.sync_channel(channel_id)
    wp_site.run(
        {"op": "edit", "id": keep, "content": "edited words"},
        {"op": "delete", "id": gone},
        {"op": "status", "id": spam, "status": "spam"},
    )
    result = sync_engine.sync_channel(channel_id, reconcile=True)
    assert (result.state, result.inserted, result.updated) == ("ok", 0, 3), result.reason
    items = _items(factory, channel_id)
    assert items[str(keep)].body_text == "edited words"
    assert items[str(gone)].source_state == "deleted"
    assert items[str(spam)].status.value == "spam"


def test_a_new_user_adds_a_fresh_site_tests_it_and_syncs_it_from_the_command_line(
    wp_site: WordPressSite, tmp_path: Path
) -> None:
    seed = wp_site.reset(PLAIN)
    _blog_post(wp_site, {"content": "Hello from a fresh WordPress"})
    db = str(tmp_path / "cli.db")
    created = run_cli(db, "db", "upgrade")  # a new workspace is made on purpose, never by a typo
    assert created.returncode == 0, created.stderr
    added = run_cli(
        db,
        *("channel", "add", "wordpress", "--name", "Force blog", "--url", wp_site.site),
        *("--login", seed.login, "--secret-stdin"),
        stdin=seed.password + "\n",
    )
    assert added.returncode == 0, added.stderr
    tested = run_cli(db, "channel", "test", "Force blog")
    assert tested.returncode == 0, tested.stderr
    assert "Force blog: connected as engagement" in tested.stdout
    assert f"Force blog: using {wp_site.site}index.php?rest_route=/" in tested.stdout
    synced = run_cli(db, "sync")
    assert synced.returncode == 0 and "Force blog: ok, 1 new" in synced.stdout, synced.stdout


@pytest.mark.parametrize("permalinks", [PLAIN, PRETTY])
def test_the_public_comment_feed_is_found_without_a_login(
    factory: SessionFactory,
    admin: Actor,
    wp_site: WordPressSite,
    sync_engine: SyncEngine,
    permalinks: str,
) -> None:
    wp_site.reset(permalinks)
    _post, (public, _held) = _blog_post(
        wp_site,
        {"content": "Public words", "author": "Jo Fielding"},
        {"content": "Not public yet", "status": "hold"},
    )
    # What `channel add wordpress --url SITE` (no --login) stores.
    view = channels_admin.add_channel(
        factory,
        admin,
        "feed",
        "Blog comments",
        {"url": wp_site.site + "comments/feed/", "wordpress_comments": True},
    )
    result = sync_engine.sync_channel(view.id)
    assert (result.state, result.inserted) == ("ok", 1), result.reason
    assert list(_items(factory, view.id)) == [str(public)]
