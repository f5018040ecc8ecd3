"""A real snac2's answer is kept byte for byte: each notification as the server wrote it."""

from __future__ import annotations

import json

import httpx
import pytest

from services.channels.sync import SyncEngine
from services.records import payloads
from services.store.db import SessionFactory
from tests.real.snac_server import SnacServer
from tests.real.test_mastodon_real import _arrived, _post, channel_id, snac, tokens

__all__ = ["channel_id", "snac", "tokens"]
pytestmark = pytest.mark.snac_real


def test_a_mention_is_kept_as_snac2_sent_it(
    factory: SessionFactory,
    snac: SnacServer,
    tokens: dict[str, str],
    channel_id: int,
    sync_engine: SyncEngine,
) -> None:
    status = _post(snac, tokens["alice"], "@police café “quotes” 🚲 and a / slash")
    item = _arrived(factory, sync_engine, channel_id, status["id"])
    with factory() as s:
        [kept] = payloads.payloads(s, item.id)
    notification = json.loads(kept.body)
    assert notification["type"] == "mention" and notification["status"]["id"] == status["id"]
    again = httpx.get(
        f"{snac.url}/api/v1/notifications",
        headers={"Authorization": f"Bearer {tokens['police']}", "Connection": "close"},
        timeout=10,
    )
    assert kept.body in again.content  # the very bytes snac2 writes for it
