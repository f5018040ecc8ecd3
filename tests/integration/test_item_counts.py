"""The sidebar's counts, kept by the database in the transaction of each change (issue 18).

After a random run of the things people and the worker do, the maintained counts equal a
recount from the items, and the sidebar shows what counting the items by hand shows.
"""

from __future__ import annotations

import random
from contextlib import suppress
from datetime import timedelta

from sqlalchemy import func, select, text, update

from services.channels.admin import remove_channel
from services.channels.protocol import Registry
from services.desk import response
from services.errors import ConflictError, NotFound
from services.inbox import item_counts, sidebar, triage, undo
from services.inbox.search import inbox_condition
from services.store.db import SessionFactory
from services.store.models import Channel, Item, ItemTag, Status, Tag, utcnow
from services.workspace.actor import Actor
from services.workspace.changes import Applied
from tests.builders import add_channel, add_item

TAGS = ("complaint", "road-safety", "praise")


def _by_hand(factory: SessionFactory, user_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """Per channel and per tag: the Inbox counted from the items, as the sidebar used to."""
    now = utcnow()
    with factory() as s:
        cond = inbox_condition(now, s.get_bind().dialect.name)
        channels = dict(
            s.execute(
                select(Channel.name, func.count(Item.id))
                .join(Item, (Item.channel_id == Channel.id) & cond, isouter=True)
                .group_by(Channel.name)
            ).all()
        )
        tags = dict(
            s.execute(
                select(Tag.name, func.count(Item.id))
                .join(ItemTag, ItemTag.tag_id == Tag.id, isouter=True)
                .join(Item, (Item.id == ItemTag.item_id) & cond, isouter=True)
                .group_by(Tag.name)
            ).all()
        )
        views = {
            "unread": s.scalar(select(func.count()).where(Item.status == Status.NEW)) or 0,
            "mine": s.scalar(
                select(func.count()).where(
                    Item.assignee_id == user_id, Item.status.not_in((Status.DONE, Status.SPAM))
                )
            )
            or 0,
            "snoozed": s.scalar(
                select(func.count()).where(Item.status == Status.SNOOZED, Item.snoozed_until > now)
            )
            or 0,
            "unanswered": s.scalar(select(func.count()).where(response.unanswered_condition()))
            or 0,
        }
    return channels | {"@" + k: v for k, v in views.items()}, tags


def _shown(
    factory: SessionFactory, user_id: int, *, registry: Registry
) -> tuple[dict[str, int], dict[str, int]]:
    data = sidebar.load(factory, user_id, registry=registry)
    channels = {c.name: c.open_count for c in data.channels}
    views = {
        "@unread": data.views.unread,
        "@mine": data.views.mine,
        "@snoozed": data.views.snoozed,
        "@unanswered": data.views.unanswered,
    }
    assert data.views.inbox == sum(channels.values())
    return channels | views, {t.name: t.open_count for t in data.tags}


def _assert_consistent(factory: SessionFactory, user_id: int, *, registry: Registry) -> None:
    with factory() as s:
        assert item_counts.maintained(s) == item_counts.counted(s)
    assert _shown(factory, user_id, registry=registry) == _by_hand(factory, user_id)


def test_counts_follow_a_random_run_of_triage_ingest_undo_and_removal(
    factory: SessionFactory, admin: Actor, officer: Actor, supervisor: Actor, registry: Registry
) -> None:
    rng = random.Random(18)
    channels = [add_channel(factory, f"Channel {n}") for n in range(3)]
    items = [add_item(factory, rng.choice(channels), f"c{n}", f"comment {n}") for n in range(30)]
    undoable: list[Applied] = []
    for step in range(120):
        some = rng.sample(items, rng.randint(1, 6))
        action = rng.choice(
            ("tag", "untag", "assign", "status", "snooze", "ingest", "undo", "due", "answer")
        )
        if action == "tag":
            undoable.append(triage.tag(factory, officer, some, rng.choice(TAGS)))
        elif action == "untag":
            with suppress(NotFound):  # the tag may not exist yet
                undoable.append(triage.untag(factory, officer, some, rng.choice(TAGS)))
        elif action == "assign":
            who = rng.choice((officer.name, supervisor.name, None))
            undoable.append(triage.assign(factory, officer, some, who))
        elif action == "status":
            status = rng.choice((Status.OPEN, Status.PENDING, Status.DONE, Status.SPAM))
            undoable.append(triage.set_status(factory, officer, some, status))
        elif action == "snooze":
            until = utcnow() + timedelta(hours=rng.randint(1, 48))
            undoable.append(triage.set_status(factory, officer, some, Status.SNOOZED, until))
        elif action == "ingest":
            items.append(add_item(factory, rng.choice(channels), f"n{step}", f"new {step}"))
        elif action == "undo" and undoable:
            token = undoable.pop().undo
            if token is not None:
                with suppress(ConflictError):  # changed since by a later step: refused
                    undo.undo(factory, officer, token)
        elif action == "due":
            # A snooze whose time has come, without a write to its status: the Inbox has it.
            with factory.begin() as s:  # type: ignore[attr-defined]
                s.execute(
                    update(Item)
                    .where(Item.id.in_(some), Item.status == Status.SNOOZED)
                    .values(snoozed_until=utcnow() - timedelta(minutes=1))
                )
        elif action == "answer":
            # A first response recorded, or a reply's need changed, by whatever path writes it.
            with factory.begin() as s:  # type: ignore[attr-defined]
                s.execute(
                    update(Item)
                    .where(Item.id.in_(some))
                    .values(
                        first_response_at=rng.choice((None, utcnow())),
                        needs_reply=rng.random() < 0.8,
                    )
                )
        if step % 20 == 0:
            _assert_consistent(factory, officer.id, registry=registry)
    triage.wake_snoozed(factory)
    _assert_consistent(factory, officer.id, registry=registry)
    with factory() as s:
        removed = s.scalar(select(Channel.name).where(Channel.id == channels[0]))
    assert removed is not None
    remove_channel(factory, admin, removed)
    _assert_consistent(factory, officer.id, registry=registry)


def test_recount_repairs_counts_that_went_wrong(
    factory: SessionFactory, officer: Actor, registry: Registry
) -> None:
    channel = add_channel(factory)
    ids = [add_item(factory, channel, f"c{n}") for n in range(4)]
    triage.tag(factory, officer, ids[:3], "complaint")
    with factory.begin() as s:  # type: ignore[attr-defined]
        s.execute(text("UPDATE item_count SET n = n + 40"))
    assert sidebar.load(factory, officer.id, registry=registry).views.inbox == 44

    result = item_counts.recount(factory)

    assert result.wrong > 0
    data = sidebar.load(factory, officer.id, registry=registry)
    assert data.views.inbox == 4
    assert [(t.name, t.open_count) for t in data.tags] == [("complaint", 3)]
    assert item_counts.recount(factory).wrong == 0
