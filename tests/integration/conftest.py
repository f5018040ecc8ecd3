"""Fixtures for services against fake servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina

from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.workspace.actor import Actor
from tests.builders import wordpress_channel
from tests.fakes.wordpress import FakeWordPress


@pytest.fixture(autouse=True)
def _no_backoff_waits() -> Iterator[None]:
    # Backoff sleeps are removed in tests; the number of attempts stays as in production.
    with stamina.set_testing(True, attempts=4):
        yield


@pytest.fixture
def wp_channel(factory: SessionFactory, admin: Actor, wp: FakeWordPress) -> int:
    return wordpress_channel(factory, admin, wp)


@pytest.fixture
def sync_engine(factory: SessionFactory, registry: Registry) -> SyncEngine:
    return SyncEngine(factory, registry)
