"""A report from the Bluesky channel reaches the real atproto dev network's moderation service.

The PDS of @atproto/dev-env passes com.atproto.moderation.createReport on to the
network's Ozone; its answer (id, subject, reportedBy) is what a user's report gets.
"""

from __future__ import annotations

import pytest

from services.channels import moderation
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.store.models import Item
from services.workspace.actor import Actor
from tests.real.atproto_network import AtprotoNetwork
from tests.real.test_bluesky_real import _connect, _items, atproto

__all__ = ["atproto"]  # the session's dev network, shared with the channel tests

pytestmark = pytest.mark.atproto_real


def test_a_reply_and_its_author_are_reported_through_the_real_pds(
    factory: SessionFactory,
    admin: Actor,
    officer: Actor,
    atproto: AtprotoNetwork,
    sync_engine: SyncEngine,
) -> None:
    appeal = atproto.posts["appeal"]
    abusive = atproto.post("bob", "you lot are useless", reply_to=appeal)
    channel_id = _connect(factory, admin, atproto)
    assert sync_engine.sync_channel(channel_id).state == "ok"
    item_id = _items(factory, channel_id)[abusive["uri"]].id
    connector = sync_engine.connector_for(channel_id)
    try:
        moderation.moderate(factory, officer, item_id, "report", connector)
        moderation.moderate(factory, officer, item_id, "report_account", connector)
    finally:
        connector.close()
    with factory() as s:
        assert s.get_one(Item, item_id).source_state == "published"
