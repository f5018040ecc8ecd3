"""Nobody replies twice: who is replying to an item, seen from another desktop (issue 11.6)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from services.answers import replies
from services.channels.protocol import Registry
from services.desk import presence
from services.inbox import conversation
from services.store.db import SessionFactory, make_session_factory
from services.store.models import utcnow
from services.store.models_audit import AuditEvent
from services.store.models_presence import Presence
from services.workspace import change_feed
from services.workspace.actor import Actor
from services.workspace.changes import ChangeKind
from tests.builders import add_channel, add_item


def _item(factory: SessionFactory) -> int:
    return add_item(factory, add_channel(factory), "c-1", "My car was broken into overnight.")


def _other_desktop(factory: SessionFactory) -> SessionFactory:
    """Another desktop on the same database: its own session factory (and change-feed origin)."""
    return make_session_factory(factory.kw["bind"])


def test_others_see_who_is_replying_and_the_replier_is_not_warned_of_themself(
    factory: SessionFactory, officer: Actor, supervisor: Actor
) -> None:
    item = _item(factory)
    presence.start(factory, officer, item)
    seen = presence.who_is_replying(_other_desktop(factory), item, besides=supervisor.id)
    assert [r.label for r in seen] == ["PC 4521 Dan Hughes"]
    assert presence.who_is_replying(factory, item, besides=officer.id) == []
    presence.stop(factory, officer, item)
    assert presence.who_is_replying(_other_desktop(factory), item) == []


def test_starting_and_stopping_reach_the_change_feed_but_heartbeats_do_not(
    factory: SessionFactory, officer: Actor
) -> None:
    item = _item(factory)
    elsewhere = _other_desktop(factory)
    last = change_feed.latest_id(elsewhere)
    presence.start(factory, officer, item)
    last, seen = change_feed.since(elsewhere, last)
    assert seen.kinds == {ChangeKind.PRESENCE} and seen.item_ids == {item}
    presence.heartbeat(factory, officer, item)
    last, seen = change_feed.since(elsewhere, last)
    assert seen.empty
    presence.stop(factory, officer, item)
    _, seen = change_feed.since(elsewhere, last)
    assert seen.kinds == {ChangeKind.PRESENCE} and seen.item_ids == {item}


def test_a_desktop_that_died_stops_showing_as_replying_after_the_timeout(
    factory: SessionFactory, officer: Actor, supervisor: Actor
) -> None:
    item = _item(factory)
    presence.start(factory, officer, item)
    # The officer's desktop crashed: no stop, no more heartbeats. Move its last beat back.
    with factory.begin() as s:
        s.execute(
            update(Presence).values(
                heartbeat_at=utcnow() - presence.STALE_AFTER - presence.HEARTBEAT
            )
        )
    assert presence.who_is_replying(factory, item, besides=supervisor.id) == []
    # The supervisor starts instead; the dead row is swept on the way.
    presence.start(factory, supervisor, item)
    with factory() as s:
        assert s.scalars(select(Presence.user_id)).all() == [supervisor.id]
    # The officer's desktop comes back and beats: it is replying again, seen by the supervisor.
    presence.heartbeat(factory, officer, item)
    labels = [r.label for r in presence.who_is_replying(factory, item, besides=supervisor.id)]
    assert labels == ["PC 4521 Dan Hughes"]


def test_two_desktops_of_one_person_hold_one_presence(
    factory: SessionFactory, officer: Actor, supervisor: Actor
) -> None:
    item = _item(factory)
    presence.start(factory, officer, item)
    assert presence.start(_other_desktop(factory), officer, item).empty
    assert len(presence.who_is_replying(factory, item, besides=supervisor.id)) == 1


def test_presence_is_not_an_audited_business_action(
    factory: SessionFactory, officer: Actor
) -> None:
    item = _item(factory)
    with factory() as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    presence.start(factory, officer, item)
    presence.heartbeat(factory, officer, item)
    presence.stop(factory, officer, item)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_replies_on_their_way_are_the_pending_ones(
    factory: SessionFactory, officer: Actor, supervisor: Actor, registry: Registry
) -> None:
    item = _item(factory)
    draft = replies.save_draft(
        factory, officer, item, "An officer will call you today.", registry=registry
    )
    replies.submit(factory, officer, draft.reply_id, registry=registry)
    replies.save_draft(factory, supervisor, item, "A half-written draft", registry=registry)
    waiting = presence.pending(conversation.load(factory, item, registry=registry).replies)
    assert [(r.id, r.state) for r in waiting] == [(draft.reply_id, "in_review")]


def test_signed_names_put_the_collar_number_after_the_rank() -> None:
    assert presence.signed_name("PC Dan Hughes", "4521") == "PC 4521 Dan Hughes"
    assert presence.signed_name("Sgt Grace Okafor", "1187") == "Sgt 1187 Grace Okafor"
    assert presence.signed_name("Ruth Lindqvist", "88") == "Ruth Lindqvist (88)"
    assert presence.signed_name("PC Dan Hughes", None) == "PC Dan Hughes"
