"""Retention by class: exactly the classes and ages set go, held items stay, the audit chain holds."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.errors import PermissionDenied
from services.inbox import triage
from services.records import audit, holds, retention
from services.store.db import SessionFactory
from services.store.models import Contact, Item, Note, Status, utcnow
from services.store.models_records import RawPayload, Tombstone
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item

LONDON = ZoneInfo("Europe/London")


def _old(factory: SessionFactory, channel: int, ext: str, days: int, text: str, author: str) -> int:
    return add_item(
        factory, channel, ext, text, author=author, received_at=utcnow() - timedelta(days=days)
    )


@pytest.fixture
def workspace(factory: SessionFactory, admin: Actor, officer: Actor) -> dict[str, int]:
    blog = add_channel(factory, "Force blog")
    feed = add_channel(factory, "Appeals feed", kind="feed")
    ids = {
        "spam_old": _old(factory, blog, "s1", 40, "Cheap pills", "Spam Bot"),
        "spam_young": _old(factory, blog, "s2", 10, "Cheap watches", "Spam Bot"),
        "spam_kept_by_tag": _old(factory, blog, "s3", 40, "Cheap but evidence", "Other Bot"),
        "spam_held": _old(factory, blog, "s4", 40, "Held spam", "Held Person"),
        "open_old": _old(factory, blog, "o1", 400, "A question from last year", "Jo Fielding"),
        "chatter_old": _old(factory, blog, "c1", 70, "Nice weather", "Sam Byrne"),
        "feed_old": _old(factory, feed, "f1", 8, "Appeal: missing bike", "Force Appeals"),
    }
    triage.set_status(
        factory,
        officer,
        [ids["spam_old"], ids["spam_young"], ids["spam_kept_by_tag"], ids["spam_held"]],
        Status.SPAM,
    )
    triage.tag(factory, officer, [ids["spam_kept_by_tag"]], "evidence")
    triage.tag(factory, officer, [ids["chatter_old"]], "chatter")
    triage.add_note(factory, officer, ids["spam_old"], "Same bot as last week")
    retention.set_class(factory, admin, "status", "spam", 30)
    retention.set_class(factory, admin, "tag", "evidence", 365)
    retention.set_class(factory, admin, "tag", "chatter", 60)
    retention.set_class(factory, admin, "channel", "Appeals feed", 7)
    with factory() as s:
        held_contact = s.get_one(Item, ids["spam_held"]).contact_id
    assert held_contact is not None
    holds.add_hold(factory, admin, "contact", held_contact, "Op Lantern: keep everything")
    return ids


def test_a_dry_run_lists_exactly_the_classes_and_ages_set_and_changes_nothing(
    factory: SessionFactory, admin: Actor, workspace: dict[str, int]
) -> None:
    before = audit.verify_chain(factory).events
    result = retention.run(factory, admin, utcnow(), dry_run=True)
    due = {d.item_id: d.why for d in result.due}
    assert set(due) == {workspace[k] for k in ("spam_old", "spam_held", "chatter_old", "feed_old")}
    assert due[workspace["chatter_old"]] == "retention: tag chatter after 60 days"
    assert result.held == (workspace["spam_held"],)
    assert audit.verify_chain(factory).events == before
    with factory() as s:
        assert s.scalar(select(Tombstone.item_id)) is None


def test_a_run_erases_content_keeps_tombstones_skips_holds_and_the_chain_verifies(
    factory: SessionFactory, admin: Actor, workspace: dict[str, int]
) -> None:
    result = retention.run(factory, admin, utcnow())
    assert result.erased == 3 and result.held == (workspace["spam_held"],)
    gone = {workspace[k] for k in ("spam_old", "chatter_old", "feed_old")}
    with factory() as s:
        items = {i.id: i for i in s.scalars(select(Item))}
        tombs = {t.item_id: t.why for t in s.scalars(select(Tombstone))}
        notes = list(s.scalars(select(Note)))
        spam_bot = s.get_one(Contact, items[workspace["spam_old"]].contact_id)
    assert set(tombs) == gone
    for item_id in gone:
        item = items[item_id]
        assert item.body_text == "" and item.body_html is None and item.raw is None
        assert item.created_at is not None and item.received_at is not None  # dates stay
    for key in ("spam_young", "spam_kept_by_tag", "spam_held", "open_old"):
        assert items[workspace[key]].body_text != ""
    assert [n.body for n in notes] == [""]
    # The bot still has a young item: its name stays until that one goes too.
    assert spam_bot.display_name == "Spam Bot"
    assert audit.verify_chain(factory).ok
    with factory() as s:
        trail = [e.action for e in audit.item_trail(s, workspace["spam_old"])]
    assert trail[-1] == "item.erase"

    # A re-fetch of the same comment does not bring its text back.
    with factory() as s:
        blog = s.get_one(Item, workspace["spam_old"]).channel_id
    add_item(factory, blog, "s1", "Cheap pills", author="Spam Bot")
    with factory() as s:
        assert s.get_one(Item, workspace["spam_old"]).body_text == ""
        assert (
            s.scalar(select(RawPayload.id).where(RawPayload.item_id == workspace["spam_old"]))
            is None
        )


def test_a_lifted_hold_lets_the_next_run_erase_and_the_contact_is_anonymised(
    factory: SessionFactory, admin: Actor, workspace: dict[str, int]
) -> None:
    retention.run(factory, admin, utcnow())
    with factory() as s:
        contact = s.get_one(Item, workspace["spam_held"]).contact_id
    assert contact is not None
    assert holds.remove_hold(factory, admin, "contact", contact, "Op Lantern closed") == 1
    result = retention.run(factory, admin, utcnow())
    assert result.erased == 1 and result.held == ()
    with factory() as s:
        person = s.get_one(Contact, contact)
    assert person.display_name == "(erased)" and person.handle is None
    assert audit.verify_chain(factory).ok


def test_only_admins_set_policy_and_the_worker_runs_once_a_day(
    factory: SessionFactory, admin: Actor, officer: Actor, workspace: dict[str, int]
) -> None:
    with pytest.raises(PermissionDenied):
        retention.set_class(factory, officer, "status", "done", 1)
    now = utcnow()
    first = retention.run_daily(factory, now, LONDON)
    assert first is not None and first.erased == 3
    assert retention.run_daily(factory, now + timedelta(minutes=1), LONDON) is None
