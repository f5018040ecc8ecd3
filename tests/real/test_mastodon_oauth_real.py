"""The desktop's Mastodon sign-in (services/channels/mastodon_oauth.py) against a real snac2.

snac2 answers /api/v1/apps and /oauth/token like Mastodon; its authorize page is
a login form that, on success, shows the code to paste (the out-of-band
redirect). The test fills that form as the officer would in the browser.
"""

from __future__ import annotations

import httpx
import pytest

from services.channels import mastodon_oauth
from services.channels import setup as channels_setup
from services.channels.errors import CredentialsRejected
from services.channels.protocol import Registry
from services.store.db import SessionFactory
from services.workspace import secrets
from services.workspace.actor import Actor
from tests.real.snac_server import CLOSE, SnacServer
from tests.real.test_mastodon_real import snac

__all__ = ["snac"]  # the session's snac2, shared with the channel tests

pytestmark = pytest.mark.snac_real


def _sign_in_in_browser(server: SnacServer, auth: mastodon_oauth.Authorization, uid: str) -> str:
    """The authorize page, then its login form: snac shows the code to paste."""
    with httpx.Client(timeout=10, headers=CLOSE) as browser:  # see snac_server.CLOSE
        page = browser.get(auth.url)
        assert page.status_code == 200 and "x-snac-login" in page.text
        login = browser.post(
            f"{server.url}/oauth/x-snac-login",
            data={
                "login": uid,
                "passwd": server.accounts[uid].password,
                "redir": mastodon_oauth.OOB,
                "cid": auth.client_id,
                "state": auth.state,
            },
        )
    code = login.text.strip()
    assert login.status_code == 200 and "<" not in code, code[:200]
    return code


def test_signing_in_to_a_real_snac2_gives_a_token_the_channel_works_with(
    snac: SnacServer, factory: SessionFactory, admin: Actor, registry: Registry
) -> None:
    auth = mastodon_oauth.begin(snac.url)
    code = _sign_in_in_browser(snac, auth, "police")
    signed_in = mastodon_oauth.finish(auth, code)
    assert signed_in.acct == "police"
    view = channels_setup.connect(
        factory, admin, "mastodon", "Force snac", {"url": snac.url, "secret": signed_in.token}
    )
    assert secrets.load(view.id) == signed_in.token
    (said,) = channels_setup.test(factory, "Force snac", registry=registry)[:1]
    assert "connected as @police" in said


def test_a_made_up_code_is_refused_though_snac2_answers_it_with_a_token(
    snac: SnacServer,
) -> None:
    auth = mastodon_oauth.begin(snac.url)
    with pytest.raises(CredentialsRejected) as refused:
        mastodon_oauth.finish(auth, "not-a-code-snac-gave")
    assert "signs no one in" in str(refused.value)
