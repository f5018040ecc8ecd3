"""The review policy is data an admin edits; submit follows it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.answers import replies, review, review_policy
from services.channels.protocol import Registry
from services.desk import escalation
from services.errors import PermissionDenied
from services.inbox import triage
from services.store.db import SessionFactory
from services.store.models import Reply, ReplyState
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item


def _state(factory: SessionFactory, actor: Actor, item_id: int, *, registry: Registry) -> str:
    draft = replies.save_draft(factory, actor, item_id, "An answer", registry=registry)
    replies.submit(factory, actor, draft.reply_id, registry=registry)
    with factory() as s:
        return s.scalars(select(Reply.state).where(Reply.id == draft.reply_id)).one().value


def test_policy_decides_who_goes_to_review(
    factory: SessionFactory, admin: Actor, officer: Actor, supervisor: Actor, registry: Registry
) -> None:
    ch = add_channel(factory)
    items = [add_item(factory, ch, f"p{i}") for i in range(5)]
    assert (
        _state(factory, officer, items[0], registry=registry) == "in_review"
    )  # default: officers are reviewed
    assert (
        _state(factory, supervisor, items[1], registry=registry) == "approved"
    )  # supervisors send their own
    triage.tag(factory, officer, [items[2]], "complaint")
    assert _state(factory, supervisor, items[2], registry=registry) == "approved"
    with pytest.raises(PermissionDenied):
        review_policy.set_policy(factory, officer, review_policy.ReviewPolicy())
    review_policy.set_policy(
        factory, admin, review_policy.ReviewPolicy(("admin",), ("complaint",), False)
    )
    assert review_policy.current(factory).always_review_tags == ("complaint",)
    assert (
        _state(factory, supervisor, items[3], registry=registry) == "in_review"
    )  # supervisors now reviewed too
    triage.tag(factory, admin, [items[4]], "complaint")
    assert (
        _state(factory, admin, items[4], registry=registry) == "in_review"
    )  # tagged items always reviewed


def test_submit_says_what_the_policy_did_and_why(
    factory: SessionFactory, officer: Actor, supervisor: Actor, registry: Registry
) -> None:
    ch = add_channel(factory)
    plain, hot, sensitive = (add_item(factory, ch, f"p{i}") for i in range(3))
    escalation.escalate(factory, officer, [hot], "threat to a named officer", to_user="grace")
    triage.tag(factory, officer, [sensitive], "sensitive")

    def submitted(actor: Actor, item_id: int) -> replies.Submitted:
        draft = replies.save_draft(factory, actor, item_id, "An answer", registry=registry)
        return replies.submit(factory, actor, draft.reply_id, registry=registry)

    direct = submitted(supervisor, plain)
    assert (direct.state, direct.summary) == (
        "approved",
        "approved: it goes out with the next sync",
    )
    held = submitted(supervisor, hot)  # a supervisor, yet the policy holds it
    assert (held.state, held.summary) == ("in_review", "held for review: item is escalated")
    assert submitted(supervisor, sensitive).summary == "held for review: item is tagged sensitive"
    assert submitted(officer, plain).summary == (
        "held for review: replies by officers are approved by a supervisor first"
    )


def test_redrafting_a_returned_reply_fixes_that_reply_and_resubmits_the_fixed_text(
    factory: SessionFactory, officer: Actor, supervisor: Actor, registry: Registry
) -> None:
    item_id = add_item(factory, add_channel(factory), "p1")
    first = replies.save_draft(factory, officer, item_id, "Call 999 about it", registry=registry)
    replies.submit(factory, officer, first.reply_id, registry=registry)
    review.return_reply(factory, supervisor, first.reply_id, "Not an emergency: give 101")

    again = replies.save_draft(
        factory, officer, item_id, "Call 101 about it", registry=registry
    )  # as the CLI does

    assert (again.reply_id, again.state) == (first.reply_id, "returned")
    assert replies.submit(factory, officer, again.reply_id, registry=registry).state == "in_review"
    review.approve(factory, supervisor, again.reply_id, registry=registry)
    with factory() as s:
        rows = s.execute(select(Reply.id, Reply.state, Reply.body)).all()
    assert [tuple(r) for r in rows] == [(first.reply_id, ReplyState.APPROVED, "Call 101 about it")]
