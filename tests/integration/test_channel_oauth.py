"""Tokens the platforms' OAuth hands out: Mastodon's code flow, X's refresh, Facebook's exchange.

Against the fakes in tests/fakes, which answer as CHANNELS.md §4–§6 say the
platforms do; the Mastodon flow also runs against a real snac2 (tests/real).
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from services.channels import admin as channels_admin
from services.channels import mastodon_oauth
from services.channels import setup as channels_setup
from services.channels.errors import ChannelError, CredentialsRejected
from services.channels.protocol import Registry
from services.channels.sync import SyncEngine
from services.channels.x_oauth import KeyringTokens
from services.store.db import SessionFactory
from services.store.models import Channel
from services.store.states import ChannelState
from services.workspace import secrets
from services.workspace.actor import Actor
from tests.e2e.test_cli import run as run_cli
from tests.fakes import facebook_oauth as fb
from tests.fakes import x as xf
from tests.fakes.facebook import FakeGraph
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.x import FakeX
from tests.integration.test_facebook_sync import graph
from tests.integration.test_mastodon_sync import masto
from tests.integration.test_x_sync import xfake

__all__ = ["graph", "masto", "xfake"]  # the fakes' fixtures


def _code_from_browser(url: str) -> str:
    """What the officer does in the browser: open the page, (sign in,) copy the code."""
    page = httpx.get(url, timeout=5).text
    return page.split("value='")[1].split("'")[0]


# ---- Mastodon ------------------------------------------------------------------------
def test_mastodon_sign_in_registers_the_app_and_exchanges_the_code_for_a_token(
    factory: SessionFactory, admin: Actor, masto: FakeMastodon, registry: Registry
) -> None:
    auth = mastodon_oauth.begin(masto.url)
    assert auth.url.startswith(f"{masto.url}/oauth/authorize?")
    assert "redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob" in auth.url
    assert "code_challenge_method=S256" in auth.url
    assert auth.client_secret not in repr(auth)
    registered = masto.apps[auth.client_id]
    assert registered["redirect_uris"] == mastodon_oauth.OOB
    signed_in = mastodon_oauth.finish(auth, _code_from_browser(auth.url))
    assert signed_in.acct == "police" and signed_in.token not in repr(signed_in)
    view = channels_setup.connect(
        factory,
        admin,
        "mastodon",
        "Force Mastodon",
        {"url": masto.url, "secret": signed_in.token},
    )
    assert secrets.load(view.id) == masto.token
    assert "connected as" in channels_setup.test(factory, "Force Mastodon", registry=registry)[0]


def test_a_wrong_or_reused_mastodon_code_is_refused_with_what_to_do(masto: FakeMastodon) -> None:
    auth = mastodon_oauth.begin(masto.url)
    code = _code_from_browser(auth.url)
    mastodon_oauth.finish(auth, code)
    with pytest.raises(CredentialsRejected) as reused:
        mastodon_oauth.finish(auth, code)
    assert "sign in again and paste the new code" in str(reused.value)
    with pytest.raises(ChannelError) as nowhere:
        mastodon_oauth.begin(masto.url + "/not-mastodon")
    assert "did not register the app" in str(nowhere.value)


# ---- X ---------------------------------------------------------------------------------
def _x_channel(factory: SessionFactory, admin: Actor, fake: FakeX, secret: str = "") -> int:
    values = {
        "api_url": fake.url,
        "client_id": xf.CLIENT_ID,
        "secret": fake.token,
        "refresh_token": fake.refresh_token,
        "client_secret": secret,
    }
    return channels_setup.connect(factory, admin, "x", "Force X", values).id


def _config(factory: SessionFactory, channel_id: int) -> dict[str, object]:
    with factory() as s:
        return dict(s.get_one(Channel, channel_id).config)


@pytest.mark.parametrize("confidential", [False, True])
def test_an_expired_x_token_is_renewed_and_the_new_pair_kept_in_the_keyring(
    factory: SessionFactory, admin: Actor, xfake: FakeX, confidential: bool, registry: Registry
) -> None:
    if confidential:
        xfake.client_secret = "fake-x-client-secret"
    channel = _x_channel(factory, admin, xfake, xfake.client_secret or "")
    xfake.post(xfake.add_user("alice"), "@NorthshirePolice hello")
    xfake.expire_token()  # the 2 hours are up: the old token answers 401
    result = SyncEngine(factory, registry).sync_channel(channel)
    assert (result.state, result.inserted) == (ChannelState.OK, 1)
    (asked,) = xfake.token_requests
    assert asked["grant_type"] == "refresh_token"
    key = _config(factory, channel)["token_key"]
    assert isinstance(key, str)
    pair = KeyringTokens(key).load()
    assert pair is not None
    assert (pair.access_token, pair.refresh_token) == (xfake.token, xfake.refresh_token)
    assert pair.expires_at is not None  # known now: renewed before it runs out next time
    assert SyncEngine(factory, registry).sync_channel(channel).state == "ok"
    assert len(xfake.token_requests) == 1  # the new token is used, not renewed again


def test_a_refused_x_renewal_shows_on_the_channel_with_what_to_do(
    factory: SessionFactory, admin: Actor, xfake: FakeX, registry: Registry
) -> None:
    channel = _x_channel(factory, admin, xfake)
    xfake.refresh_token = "revoked-elsewhere"  # someone disconnected the app on X
    xfake.expire_token()
    SyncEngine(factory, registry).sync_channel(channel)
    (view,) = channels_admin.list_channels(factory)
    assert view.state == ChannelState.ERROR
    assert view.state_reason is not None
    assert "X refused to renew the access token" in view.state_reason
    assert "Channels › Edit" in view.state_reason and "channel edit" in view.state_reason


def test_x_channel_added_by_cli_with_client_id_reads_token_and_refresh_token_from_stdin(
    sqlite_url: str, xfake: FakeX
) -> None:
    assert run_cli(sqlite_url, "db", "upgrade").returncode == 0
    added = run_cli(
        sqlite_url,
        *("channel", "add", "x", "--name", "Force X", "--api-url", xfake.url),
        *("--client-id", xf.CLIENT_ID, "--secret-stdin"),
        stdin=f"{xfake.token}\n{xfake.refresh_token}\n\n",
    )
    assert added.returncode == 0, added.stderr
    xfake.expire_token()
    tested = run_cli(sqlite_url, "channel", "test", "Force X")
    assert tested.returncode == 0, tested.stderr
    assert "connected as @NorthshirePolice" in tested.stdout
    removed = run_cli(sqlite_url, "channel", "remove", "Force X")
    assert removed.returncode == 0, removed.stderr


# ---- Facebook --------------------------------------------------------------------------
def test_facebook_short_lived_user_token_becomes_the_pages_long_lived_token(
    factory: SessionFactory, admin: Actor, graph: FakeGraph, registry: Registry
) -> None:
    values = {
        "page_id": graph.page_id,
        "api_url": graph.url,
        "app_id": fb.APP_ID,
        "secret": fb.USER_TOKEN,
        "app_secret": fb.APP_SECRET,
    }
    view = channels_setup.connect(factory, admin, "facebook", "Force Page", values)
    assert secrets.load(view.id) == graph.token  # the Page token, not the user token
    (asked,) = graph.exchanges
    assert asked["grant_type"] == "fb_exchange_token"
    assert fb.APP_SECRET not in repr(_config(factory, view.id))
    assert (
        "connected as the Page “Northshire Police”"
        in channels_setup.test(factory, "Force Page", registry=registry)[0]
    )


def test_facebook_exchange_refused_adds_nothing_and_says_why(
    factory: SessionFactory, admin: Actor, graph: FakeGraph
) -> None:
    values = {
        "page_id": graph.page_id,
        "api_url": graph.url,
        "app_id": fb.APP_ID,
        "secret": fb.USER_TOKEN,
        "app_secret": "wrong",
    }
    with pytest.raises(ChannelError) as refused:
        channels_setup.connect(factory, admin, "facebook", "Force Page", values)
    assert "check the app id and secret" in str(refused.value)
    assert "wrong" not in str(refused.value)
    with factory() as s:
        assert s.scalar(select(Channel)) is None
