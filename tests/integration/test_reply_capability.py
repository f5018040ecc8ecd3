"""Replies only where they can go: one capability rule, and an outbox where one bad reply stops nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.answers import outbox, replies, review
from services.channels.protocol import Connector, Registry, ReplyTarget, SentReply
from services.channels.sync import SyncEngine
from services.errors import InvalidInput
from services.store.db import SessionFactory
from services.store.models import Channel, Item, Reply, ReplyState
from services.workspace.actor import Actor
from services.workspace.unit_of_work import write_transaction
from tests.builders import add_channel, add_item
from tests.fakes.wordpress import FakeWordPress


def _demo_channel(factory: SessionFactory, kind: str, name: str) -> int:
    with write_transaction(factory, None) as tx:
        channel = Channel(name=name, kind=kind, config={"demo": True}, enabled=False)
        tx.session.add(channel)
        tx.session.flush()
        return channel.id


def _approved_without_review(factory: SessionFactory, author: Actor, item_id: int) -> int:
    """A reply approved before its channel was known to be unsendable (an older release)."""
    with write_transaction(factory, None) as tx:
        reply = Reply(
            item_id=item_id,
            author_id=author.id,
            body="Thanks, we are looking into it.",
            state=ReplyState.APPROVED,
            created_at=tx.now,
            updated_at=tx.now,
        )
        tx.session.add(reply)
        tx.session.flush()
        return reply.id


def test_a_draft_is_refused_where_no_reply_can_go_with_the_reason(
    factory: SessionFactory, officer: Actor, registry: Registry
) -> None:
    # A made-up kind: every platform DESIGN.md names has a connector now.
    unsupported = add_item(factory, add_channel(factory, "Force Myspace", "myspace"), "m1")
    feed = add_item(factory, add_channel(factory, "Appeals", "feed"), "f1")
    blog = add_item(factory, add_channel(factory, "Force blog", "wordpress"), "b1")
    demo_blog = add_item(factory, _demo_channel(factory, "wordpress", "Demo blog"), "d1")
    with factory() as s:
        assert replies.reply_capability(s, unsupported, registry=registry) == replies.Capability(
            False,
            "Front Counter cannot send to myspace yet (no connector): answer on myspace itself",
            publishes=False,
        )
        assert not replies.reply_capability(s, feed, registry=registry).can_reply
        assert replies.reply_capability(s, blog, registry=registry) == replies.Capability(True)
        demo = replies.reply_capability(s, demo_blog, registry=registry)
        assert demo.can_reply and not demo.publishes and "demo data" in (demo.reason or "")
    with pytest.raises(InvalidInput, match="cannot send to myspace yet"):
        replies.save_draft(factory, officer, unsupported, "Hello", registry=registry)
    with pytest.raises(InvalidInput, match="read-only"):
        replies.save_draft(factory, officer, feed, "Hello", registry=registry)
    with factory() as s:
        assert s.scalars(select(Reply)).all() == []  # nothing was written
    assert replies.save_draft(factory, officer, blog, "Hello", registry=registry).state == "draft"


def test_an_unsendable_reply_ahead_of_a_good_one_fails_with_a_reason_and_the_good_one_goes_out_once(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    unsupported_item = add_item(factory, add_channel(factory, "Force Myspace", "myspace"), "m1")
    stuck = _approved_without_review(factory, supervisor, unsupported_item)
    cid = wp.add_comment(812, "Will you answer letters too?", "Helen Brennan")
    sync_engine.sync_channel(wp_channel)
    with factory() as s:
        item_id = s.scalars(select(Item.id).where(Item.external_id == str(cid))).one()
    good = replies.submit(
        factory,
        supervisor,
        replies.save_draft(factory, supervisor, item_id, "Yes", registry=registry).reply_id,
        registry=registry,
    )
    assert good.state == "approved" and stuck < good.reply_id  # the bad one is first in line

    first = outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    again = outbox.send_pending(factory, sync_engine.connector_for, registry=registry)

    assert [(r.reply_id, r.state) for r in first] == [(stuck, "failed"), (good.reply_id, "sent")]
    assert again == []
    assert len([c for c in wp.comments.values() if c["author"] == wp.me_id]) == 1
    with factory() as s:
        failed = s.get_one(Reply, stuck)
        assert failed.state == ReplyState.FAILED and failed.attempts == 0  # never tried
        assert failed.failure_reason == (
            "not sent: Front Counter cannot send to myspace yet (no connector): "
            "answer on myspace itself"
        )


def test_a_reply_in_review_on_an_unsendable_channel_is_not_approved(
    factory: SessionFactory, officer: Actor, supervisor: Actor, registry: Registry
) -> None:
    item = add_item(factory, add_channel(factory, "Force Myspace", "myspace"), "b1")
    with write_transaction(factory, None) as tx:
        reply = Reply(
            item_id=item,
            author_id=officer.id,
            body="Hello",
            state=ReplyState.IN_REVIEW,
            created_at=tx.now,
            updated_at=tx.now,
        )
        tx.session.add(reply)
        tx.session.flush()
        reply_id = reply.id
    with pytest.raises(InvalidInput, match=r"cannot send to myspace yet.*return it"):
        review.approve(factory, supervisor, reply_id, registry=registry)


def test_a_demo_reply_is_reviewed_then_fails_at_once_instead_of_reaching_for_the_network(
    factory: SessionFactory,
    officer: Actor,
    supervisor: Actor,
    sync_engine: SyncEngine,
    registry: Registry,
) -> None:
    item = add_item(factory, _demo_channel(factory, "wordpress", "Demo blog"), "d1")
    draft = replies.save_draft(factory, officer, item, "Thanks for writing", registry=registry)
    assert replies.submit(factory, officer, draft.reply_id, registry=registry).state == "in_review"
    review.approve(factory, supervisor, draft.reply_id, registry=registry)
    (result,) = outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    assert result.state == "failed"
    assert result.reason == (
        "not sent: demo data: a reply here goes through review but is never published"
    )


class _BrokenConnector:
    """A connector with a bug: it raises something that is not a ChannelError."""

    kind = "wordpress"

    def find_reply(self, target: ReplyTarget, body: str) -> SentReply | None:
        return None

    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        raise RuntimeError("bug in the connector")

    def close(self) -> None:
        pass


@pytest.mark.allow_logged_problems
def test_a_connector_bug_on_one_reply_does_not_stop_the_next(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    supervisor: Actor,
    registry: Registry,
) -> None:
    buggy_channel = add_channel(factory, "Other blog", "wordpress")
    buggy = replies.save_draft(
        factory, supervisor, add_item(factory, buggy_channel, "o1"), "Hi", registry=registry
    )
    replies.submit(factory, supervisor, buggy.reply_id, registry=registry)
    cid = wp.add_comment(812, "question")
    sync_engine.sync_channel(wp_channel)
    with factory() as s:
        item_id = s.scalars(select(Item.id).where(Item.external_id == str(cid))).one()
    good = replies.save_draft(factory, supervisor, item_id, "Answer", registry=registry)
    replies.submit(factory, supervisor, good.reply_id, registry=registry)

    def connector_for(channel_id: int) -> Connector:
        if channel_id == buggy_channel:
            return _BrokenConnector()  # type: ignore[return-value]
        return sync_engine.connector_for(channel_id)

    results = outbox.send_pending(factory, connector_for, registry=registry)

    assert [(r.reply_id, r.state) for r in results] == [
        (buggy.reply_id, "sending"),  # it may have posted: next time it is looked for first
        (good.reply_id, "sent"),
    ]
    assert len([c for c in wp.comments.values() if c["author"] == wp.me_id]) == 1
    with factory() as s:
        stuck = s.get_one(Reply, buggy.reply_id)
        assert stuck.failure_reason == "will retry: unexpected error: bug in the connector"
