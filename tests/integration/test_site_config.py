"""What IT configures centrally reaches the services: the proxy, the force's name and 101."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.context import open_context
from services.answers import replies
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.desk import risk_view
from services.store.db import SessionFactory
from services.workspace import site_config
from services.workspace.actor import Actor
from tests.builders import add_channel, add_item, feed_channel
from tests.fakes.feeds import FakeFeeds
from tests.fakes.proxy import FakeProxy


@pytest.fixture(autouse=True)
def _restore_site() -> Iterator[None]:
    before = site_config.current()
    yield
    site_config.install(before)


@pytest.fixture
def proxy() -> Iterator[FakeProxy]:
    fake = FakeProxy().start()
    yield fake
    fake.stop()


def _system_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    path = tmp_path / "system-config.toml"
    path.write_text(text)
    monkeypatch.setenv("FRONT_COUNTER_SYSTEM_CONFIG", str(path))


def test_a_feed_is_read_through_the_proxy_it_configures(
    db_url: str,
    factory: SessionFactory,
    admin: Actor,
    feeds: FakeFeeds,
    proxy: FakeProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    registry: Registry,
) -> None:
    # Without a configured proxy the connector goes straight to the platform.
    direct = open_context(db_url)
    try:
        channel = feed_channel(factory, admin, feeds.url("/rss"))
        assert SyncEngine(direct.factory, registry).sync_channel(channel).inserted == 2
    finally:
        direct.close()
    assert proxy.seen == []

    _system_config(monkeypatch, tmp_path, f'http_proxy = "{proxy.url}"\nlocked = ["http_proxy"]\n')
    ctx = open_context(db_url)  # the composition root, as every command and the desktop open it
    try:
        assert ctx.site.http_proxy == proxy.url
        second = feed_channel(factory, admin, feeds.url("/atom"))
        assert SyncEngine(ctx.factory, registry).sync_channel(second).inserted == 1
    finally:
        ctx.close()
    assert [(s.method, s.url) for s in proxy.seen] == [("GET", feeds.url("/atom"))]


def test_a_bare_host_and_port_proxy_is_taken_as_http(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONT_COUNTER_PROXY", "proxy.force.example:3128")
    open_context(db_url, migrate=False).close()
    assert site_config.current().http_proxy == "http://proxy.force.example:3128"


def test_saved_replies_and_the_urgent_guidance_give_the_forces_own_number(
    db_url: str,
    factory: SessionFactory,
    officer: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item = add_item(factory, add_channel(factory), "c-1", "where do I report a lost bike?")
    template = "For anything that is not an emergency, call {non_emergency}. {force}"

    open_context(db_url, migrate=False).close()  # nothing configured: the national 101
    values = replies.placeholder_values(factory, officer, item)
    assert replies.fill_placeholders(template, values).startswith(
        "For anything that is not an emergency, call 101."
    )
    assert "call 101" in risk_view.guidance(factory).text

    _system_config(
        monkeypatch,
        tmp_path,
        'force_name = "Northvale Police"\nnon_emergency_number = "0300 123 4567"\n',
    )
    open_context(db_url, migrate=False).close()
    values = replies.placeholder_values(factory, officer, item)
    assert replies.fill_placeholders(template, values) == (
        "For anything that is not an emergency, call 0300 123 4567. Northvale Police"
    )
    guidance = risk_view.guidance(factory).text
    assert "call 0300 123 4567" in guidance and "101" not in guidance
    assert "Northvale Police" in guidance
