"""Reporting a Bluesky post or its author's account (com.atproto.moderation.createReport), on the fake PDS."""

from __future__ import annotations

import pytest

from services.channels import moderation
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.errors import InvalidInput
from services.store.db import SessionFactory
from services.store.models import Item
from services.workspace.actor import Actor
from tests.fakes.bluesky import FakeBluesky
from tests.integration.test_bluesky_sync import bsky, bsky_channel, items

__all__ = ["bsky", "bsky_channel"]  # fixtures shared with the sync tests


def test_a_post_and_an_account_are_reported_and_the_item_stays_as_it_was(
    factory: SessionFactory,
    bsky: FakeBluesky,
    bsky_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    registry: Registry,
) -> None:
    alice = bsky.add_account("alice.example.social")
    appeal = bsky.post(bsky.me, "Appeal")
    abusive = bsky.post(alice, "abusive words", reply_to=appeal)
    sync_engine.sync_channel(bsky_channel)
    item_id = items(factory, bsky_channel)[abusive].id
    assert {"report", "report_account"} <= set(registry.moderation_actions("bluesky"))
    connector = sync_engine.connector_for(bsky_channel)
    try:
        moderation.moderate(factory, officer, item_id, "report", connector)
        moderation.moderate(factory, officer, item_id, "report_account", connector)
    finally:
        connector.close()
    post_report, account_report = bsky.reports
    assert post_report["subject"] == {
        "$type": "com.atproto.repo.strongRef",
        "uri": abusive,
        "cid": bsky.posts[abusive]["cid"],
    }
    assert post_report["reasonType"] == "com.atproto.moderation.defs#reasonOther"
    assert account_report["subject"] == {"$type": "com.atproto.admin.defs#repoRef", "did": alice}
    assert post_report["reportedBy"] == bsky.me
    with factory() as s:
        assert s.get_one(Item, item_id).source_state == "published"


def test_a_deleted_post_cannot_be_reported_and_the_officer_is_told_to_report_the_account(
    factory: SessionFactory,
    bsky: FakeBluesky,
    bsky_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
) -> None:
    alice = bsky.add_account("alice.example.social")
    gone = bsky.post(alice, "@police soon gone", mention_us=True)
    sync_engine.sync_channel(bsky_channel)
    bsky.deleted.add(gone)
    connector = sync_engine.connector_for(bsky_channel)
    try:
        with pytest.raises(Exception, match="report the account instead"):
            moderation.moderate(
                factory, officer, items(factory, bsky_channel)[gone].id, "report", connector
            )
    finally:
        connector.close()
    assert bsky.reports == []


def test_a_report_is_queued_for_the_worker_like_any_moderation(
    factory: SessionFactory,
    bsky: FakeBluesky,
    bsky_channel: int,
    sync_engine: SyncEngine,
    officer: Actor,
    registry: Registry,
) -> None:
    alice = bsky.add_account("alice.example.social")
    post = bsky.post(alice, "@police spam spam", mention_us=True)
    sync_engine.sync_channel(bsky_channel)
    item_id = items(factory, bsky_channel)[post].id
    moderation.request(factory, officer, item_id, "report_account", registry=registry)
    with pytest.raises(InvalidInput):
        moderation.request(factory, officer, item_id, "report_everyone", registry=registry)
    done = moderation.carry_out(factory, sync_engine.connector_for)
    assert [state for _id, state in done] == ["done"]
    assert [r["subject"]["did"] for r in bsky.reports] == [alice]
