"""The review policy is data an admin edits; submit follows it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services import replies, review_policy, triage
from services.errors import PermissionDenied
from services.store.db import SessionFactory
from services.store.models import Reply
from services.users import Actor
from tests.builders import add_channel, add_item


def _state(factory: SessionFactory, actor: Actor, item_id: int) -> str:
    draft = replies.save_draft(factory, actor, item_id, "An answer")
    replies.submit(factory, actor, draft.reply_id)
    with factory() as s:
        return s.scalars(select(Reply.state).where(Reply.id == draft.reply_id)).one().value


def test_policy_decides_who_goes_to_review(
    factory: SessionFactory, admin: Actor, officer: Actor, supervisor: Actor
) -> None:
    ch = add_channel(factory)
    items = [add_item(factory, ch, f"p{i}") for i in range(5)]
    assert _state(factory, officer, items[0]) == "in_review"  # default: officers are reviewed
    assert _state(factory, supervisor, items[1]) == "approved"  # supervisors send their own
    triage.tag(factory, officer, [items[2]], "complaint")
    assert _state(factory, supervisor, items[2]) == "approved"
    with pytest.raises(PermissionDenied):
        review_policy.set_policy(factory, officer, review_policy.ReviewPolicy())
    review_policy.set_policy(
        factory, admin, review_policy.ReviewPolicy(("admin",), ("complaint",), False)
    )
    assert review_policy.current(factory).always_review_tags == ("complaint",)
    assert _state(factory, supervisor, items[3]) == "in_review"  # supervisors now reviewed too
    triage.tag(factory, admin, [items[4]], "complaint")
    assert _state(factory, admin, items[4]) == "in_review"  # tagged items always reviewed
