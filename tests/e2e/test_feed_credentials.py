"""A private feed's login lives in the keyring; no `user:token@` address is ever printed or stored."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.store.db import make_engine, make_session_factory
from services.store.models import Channel
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction
from tests.e2e.test_cli import run
from tests.fakes.feeds import RSS
from tests.fakes.http_server import FakeServer, Reply, Request

LOGIN, SECRET = "press-office", "tok-9f2c7e"


@pytest.fixture
def private_feed() -> Iterator[FakeServer]:
    expected = "Basic " + base64.b64encode(f"{LOGIN}:{SECRET}".encode()).decode()

    def handle(req: Request) -> Reply:
        if req.headers.get("Authorization") != expected:
            return Reply(401, b"login required", {"WWW-Authenticate": 'Basic realm="x"'})
        return Reply(200, RSS, content_type="application/rss+xml")

    server = FakeServer(handle).start()
    yield server
    server.stop()


def test_a_private_feed_reads_with_the_keyrings_login_and_stores_no_secret(
    sqlite_url: str, private_feed: FakeServer
) -> None:
    assert run(sqlite_url, "db", "upgrade").returncode == 0
    address = f"{private_feed.url}/private"
    with_userinfo = address.replace("http://", f"http://{LOGIN}:{SECRET}@")
    refused = run(sqlite_url, "channel", "add", "feed", "--name", "Private", "--url", with_userinfo)
    assert refused.returncode == 1
    assert SECRET not in refused.stdout + refused.stderr
    assert "--login" in refused.stderr

    added = run(
        sqlite_url,
        "channel",
        "add",
        "feed",
        "--name",
        "Private",
        "--url",
        address,
        "--login",
        LOGIN,
        "--secret-stdin",
        stdin=SECRET + "\n",
    )
    assert added.returncode == 0, added.stderr
    tested = run(sqlite_url, "channel", "test", "Private")
    assert tested.returncode == 0, tested.stderr
    assert '"Northvale appeals": 2 entries' in tested.stdout
    synced = run(sqlite_url, "sync", "--channel", "Private")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    for suffix in ("", "-wal"):
        stored = Path(sqlite_url + suffix)
        if stored.exists():
            assert SECRET.encode() not in stored.read_bytes()


def test_an_old_address_with_a_password_is_never_printed(sqlite_url: str) -> None:
    """A channel stored before addresses were checked: list and test show no userinfo."""
    assert run(sqlite_url, "db", "upgrade").returncode == 0
    engine = make_engine(sqlite_url)
    with write_transaction(make_session_factory(engine), None) as tx:
        tx.session.add(
            Channel(
                name="Old",
                kind="feed",
                config={"url": f"http://{LOGIN}:{SECRET}@127.0.0.1:1/feed"},
                state="ok",
            )
        )
        tx.touched(ChangeKind.CHANNELS)
    engine.dispose()
    listed = run(sqlite_url, "channel", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [c["url"] for c in json.loads(listed.stdout)] == ["http://127.0.0.1:1/feed"]
    tested = run(sqlite_url, "channel", "test", "Old")
    assert tested.returncode != 0
    assert "127.0.0.1:1" in tested.stdout + tested.stderr
    synced = run(sqlite_url, "sync", "--channel", "Old")
    shown = run(sqlite_url, "channel", "list")
    for result in (listed, tested, synced, shown):
        assert SECRET not in result.stdout + result.stderr
        assert LOGIN not in result.stdout + result.stderr
