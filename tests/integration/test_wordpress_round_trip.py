"""Replies and moderation round-trip through the fake WordPress; the item shows the new state."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.answers import outbox, replies, review
from services.channels import moderation
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.errors import PermissionDenied
from services.inbox import conversation
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Direction, Item, Reply, ReplyState
from services.workspace.actor import Actor
from tests.fakes.wordpress import FakeWordPress


def _item_id(factory: SessionFactory, channel_id: int, external_id: int) -> int:
    with factory() as s:
        item_id = s.scalar(
            select(Item.id).where(
                Item.channel_id == channel_id, Item.external_id == str(external_id)
            )
        )
    assert item_id is not None
    return item_id


def _reply_for_review(
    factory: SessionFactory, officer: Actor, item_id: int, text: str, *, registry: Registry
) -> int:
    draft = replies.save_draft(factory, officer, item_id, text, registry=registry)
    replies.submit(factory, officer, draft.reply_id, registry=registry)
    return draft.reply_id


def test_officer_reply_waits_for_approval_then_posts_once_under_the_right_parent(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    cid = wp.add_comment(812, "Will you answer letters too?", "Helen Brennan")
    sync_engine.sync_channel(wp_channel)
    item_id = _item_id(factory, wp_channel, cid)
    reply_id = _reply_for_review(
        factory, officer, item_id, "Yes, Helen: the inspector will call you.", registry=registry
    )
    connector_for = sync_engine.connector_for
    assert (
        outbox.send_pending(factory, connector_for, registry=registry) == []
    )  # in review: nothing goes out
    with pytest.raises(PermissionDenied, match="review"):
        review.approve(factory, officer, reply_id, registry=registry)
    review.approve(factory, supervisor, reply_id, registry=registry)
    results = outbox.send_pending(factory, connector_for, registry=registry)
    assert [r.state for r in results] == ["sent"]
    assert outbox.send_pending(factory, connector_for, registry=registry) == []  # never twice
    posted = [c for c in wp.comments.values() if c["author"] == wp.me_id]
    assert len(posted) == 1 and posted[0]["parent"] == cid and posted[0]["post"] == 812
    conv = conversation.load(factory, item_id, registry=registry)
    assert conv.replies[-1].state == "sent"
    outbound = [m for m in conv.thread if m.direction == Direction.OUTBOUND.value]
    assert len(outbound) == 1 and "inspector will call" in outbound[0].body_text
    with factory() as s:
        assert s.get_one(Item, item_id).first_response_at is not None
    sync_engine.sync_channel(wp_channel)  # the next sync sees our reply and does not double it
    assert (
        len(
            [
                m
                for m in conversation.load(factory, item_id, registry=registry).thread
                if m.direction == "outbound"
            ]
        )
        == 1
    )


def test_supervisor_cannot_approve_own_reply(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    supervisor: Actor,
    admin: Actor,
    registry: Registry,
) -> None:
    cid = wp.add_comment(812, "hello")
    sync_engine.sync_channel(wp_channel)
    item_id = _item_id(factory, wp_channel, cid)
    draft = replies.save_draft(
        factory, supervisor, item_id, "Hello from the sergeant", registry=registry
    )
    replies.submit(
        factory, supervisor, draft.reply_id, registry=registry
    )  # supervisors' own replies are approved on submit
    with factory() as s:
        assert s.get_one(Reply, draft.reply_id).state == ReplyState.APPROVED


def test_closed_comments_fail_with_the_reason_shown(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    cid = wp.add_comment(812, "late question")
    sync_engine.sync_channel(wp_channel)
    item_id = _item_id(factory, wp_channel, cid)
    reply_id = _reply_for_review(factory, officer, item_id, "Answer", registry=registry)
    review.approve(factory, supervisor, reply_id, registry=registry)
    wp.posts[812]["comment_status"] = "closed"
    assert [
        r.state for r in outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    ] == ["failed"]
    conv = conversation.load(factory, item_id, registry=registry)
    assert conv.replies[-1].failure_reason == "comments are closed on this post"


def test_a_500_on_send_is_retried_later_then_succeeds(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    cid = wp.add_comment(812, "question")
    sync_engine.sync_channel(wp_channel)
    reply_id = _reply_for_review(
        factory, officer, _item_id(factory, wp_channel, cid), "Answer", registry=registry
    )
    review.approve(factory, supervisor, reply_id, registry=registry)
    wp.server.fail("/wp/v2/comments", status=500, times=1)  # the parent check GET fails once…
    wp.server.fail("/wp/v2/comments", status=500, times=4)  # …and keeps failing this run
    first = outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    assert first[0].state == "approved" and "500" in (first[0].reason or "")
    wp.server.faults.clear()
    assert [
        r.state for r in outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    ] == ["sent"]
    assert len([c for c in wp.comments.values() if c["author"] == wp.me_id]) == 1


def test_a_send_whose_answer_was_lost_is_found_not_posted_again(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    supervisor: Actor,
    registry: Registry,
) -> None:
    """WordPress created the comment but a proxy answered 504: the retry must look before posting."""
    cid = wp.add_comment(812, "question")
    sync_engine.sync_channel(wp_channel)
    reply_id = _reply_for_review(
        factory, officer, _item_id(factory, wp_channel, cid), "Answer", registry=registry
    )
    review.approve(factory, supervisor, reply_id, registry=registry)
    wp.detect_duplicates = False  # the platform would happily take the same text twice
    wp.server.fail("/wp/v2/comments", kind="lost_answer", method="POST")
    first = outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    assert first[0].state == "approved" and "504" in (first[0].reason or "")
    assert [
        r.state for r in outbox.send_pending(factory, sync_engine.connector_for, registry=registry)
    ] == ["sent"]
    assert len([c for c in wp.comments.values() if c["author"] == wp.me_id]) == 1


@pytest.mark.parametrize("newer_core", [False, True])
def test_each_moderation_action_round_trips(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    newer_core: bool,
    registry: Registry,
) -> None:
    wp.newer_core = newer_core
    cid = wp.add_comment(812, "borderline", status="hold")
    sync_engine.sync_channel(wp_channel)
    item_id = _item_id(factory, wp_channel, cid)
    for action, state in (
        ("approve", "approved"),
        ("approve", "approved"),
        ("hold", "hold"),
        ("spam", "spam"),
        ("trash", "trash"),
    ):
        connector = sync_engine.connector_for(wp_channel)
        moderation.moderate(factory, officer, item_id, action, connector)
        connector.close()
        assert wp.comments[cid]["status"] == state
        conv = conversation.load(factory, item_id, registry=registry)
        assert conv.item.source_state == state
    assert conv.status in ("spam", "done")
    assert [e.action for e in conv.trail].count("item.moderate") == 5


def test_desktop_moderation_is_queued_and_carried_out_by_the_worker(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    registry: Registry,
) -> None:
    keep = wp.add_comment(812, "held for a look", status="hold")
    gone = wp.add_comment(812, "will vanish")
    sync_engine.sync_channel(wp_channel)
    keep_id, gone_id = _item_id(factory, wp_channel, keep), _item_id(factory, wp_channel, gone)
    moderation.request(factory, officer, keep_id, "approve", registry=registry)
    moderation.request(factory, officer, gone_id, "spam", registry=registry)
    assert wp.comments[keep]["status"] == "hold"  # nothing happens until the worker runs
    conv = conversation.load(factory, keep_id, registry=registry)
    assert [(m.action, m.state) for m in conv.moderation] == [("approve", "pending")]
    del wp.comments[gone]  # deleted on the blog meanwhile
    results = moderation.carry_out(factory, sync_engine.connector_for)
    assert [state for _id, state in results] == ["done", "failed"]
    assert wp.comments[keep]["status"] == "approved"
    assert conversation.load(factory, keep_id, registry=registry).item.source_state == "approved"
    failed = conversation.load(factory, gone_id, registry=registry).moderation[0]
    assert failed.state == "failed" and "404" in (failed.reason or "")
    assert moderation.carry_out(factory, sync_engine.connector_for) == []
    trail = [
        e
        for e in conversation.load(factory, keep_id, registry=registry).trail
        if e.action == AuditAction.ITEM_MODERATE
    ]
    assert trail and trail[0].actor == "dan"  # done in the name of the officer who asked


def test_nobody_approves_their_own_reply_even_when_review_is_required(
    factory: SessionFactory,
    wp: FakeWordPress,
    wp_channel: int,
    sync_engine: SyncEngine,
    supervisor: Actor,
    officer: Actor,
    registry: Registry,
) -> None:
    from services.inbox import triage

    cid = wp.add_comment(812, "a sensitive matter")
    sync_engine.sync_channel(wp_channel)
    item_id = _item_id(factory, wp_channel, cid)
    triage.tag(
        factory, officer, [item_id], "sensitive"
    )  # the policy sends these to review, whoever writes
    draft = replies.save_draft(factory, supervisor, item_id, "Careful words", registry=registry)
    replies.submit(factory, supervisor, draft.reply_id, registry=registry)
    with factory() as s:
        assert s.get_one(Reply, draft.reply_id).state == ReplyState.IN_REVIEW
    with pytest.raises(PermissionDenied, match="nobody approves their own reply"):
        review.approve(factory, supervisor, draft.reply_id, registry=registry)
    assert outbox.send_pending(factory, sync_engine.connector_for, registry=registry) == []
