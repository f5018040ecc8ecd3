"""A Mastodon access token by the OAuth code flow, the way a desktop gets one (CHANNELS.md §6).

1. `begin`: register an app on the server (`POST /api/v1/apps`, redirect
   `urn:ietf:wg:oauth:2.0:oob`) and build the authorize address, with PKCE
   (Mastodon 4.3+; servers without it ignore the challenge).
2. The officer opens that address in a browser, signs in as the force's account,
   allows the app and copies the code the server shows.
3. `finish`: exchange the code at `/oauth/token` for the access token, check whom
   it signs in (`verify_credentials`: snac2 answers a token even for a made-up
   code), and hand it to the caller, who stores it in the keyring through
   `channels_setup` and never shows it.

Headless: no Qt, no browser. The client secret lives only in the `Authorization`
object between the two steps.
"""

from __future__ import annotations

import base64
import hashlib
import secrets as pysecrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from services.channels.errors import ChannelError, CredentialsRejected, Unavailable
from services.channels.http import make_client, redact
from services.errors import InvalidInput

if TYPE_CHECKING:
    import httpx

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = "read write"
CLIENT_NAME = "Front Counter"
WEBSITE = "https://front-counter.invalid/"


@dataclass(frozen=True)
class Authorization:
    """Between the two steps: the app registered, and where the officer signs in."""

    server: str
    client_id: str
    client_secret: str
    verifier: str
    state: str
    url: str

    def __repr__(self) -> str:  # never the client secret or verifier in a log line
        return f"Authorization(server={self.server!r}, client_id={self.client_id!r})"


def _server(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        raise InvalidInput(f"{redact(url)!r} is not a server address: use https://…")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _said(resp: httpx.Response) -> str:
    try:
        body: Any = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}"
    if isinstance(body, dict):
        text = body.get("error_description") or body.get("error")
        if isinstance(text, str) and text:
            return text[:200]
    return f"HTTP {resp.status_code}"


def _post(
    client: httpx.Client, url: str, *, json_body: Any = None, form: Any = None
) -> httpx.Response:
    import httpx  # imported on first use: httpx costs ~100 ms of the desktop's start-up

    try:
        resp = client.post(url, json=json_body, data=form)
    except httpx.HTTPError as exc:
        raise Unavailable(f"{redact(url)}: connection failed ({type(exc).__name__})") from None
    if resp.status_code >= 500:
        raise Unavailable(f"{redact(url)} failed (HTTP {resp.status_code}): try again later")
    return resp


def _pkce() -> tuple[str, str]:
    verifier = pysecrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def begin(server_url: str, client: httpx.Client | None = None) -> Authorization:
    """Register Front Counter on the server; the address the officer opens to allow it."""
    server = _server(server_url)
    http = client or make_client()
    try:
        resp = _post(
            http,
            f"{server}/api/v1/apps",
            json_body={
                "client_name": CLIENT_NAME,
                "redirect_uris": OOB,
                "scopes": SCOPES,
                "website": WEBSITE,
            },
        )
    finally:
        if client is None:
            http.close()
    try:
        app: Any = resp.json()
    except ValueError:
        app = None
    if resp.status_code != 200 or not isinstance(app, dict):
        raise ChannelError(
            f"{server} did not register the app ({_said(resp)}): is it a Mastodon server? "
            "Some servers allow apps only for signed-in users: ask its admin for a token"
        )
    client_id, client_secret = app.get("client_id"), app.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(client_secret, str) or not client_id:
        raise ChannelError(f"{server} registered the app but sent no client id or secret")
    verifier, challenge = _pkce()
    state = pysecrets.token_urlsafe(16)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": OOB,
            "scope": SCOPES,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    url = f"{server}/oauth/authorize?{query}"
    return Authorization(server, client_id, client_secret, verifier, state, url)


def finish(auth: Authorization, code: str, client: httpx.Client | None = None) -> SignedIn:
    """The access token for the code the server showed, checked to sign the account in."""
    code = code.strip()
    if not code:
        raise InvalidInput("paste the code the server showed after you allowed Front Counter")
    http = client or make_client()
    try:
        resp = _post(
            http,
            f"{auth.server}/oauth/token",
            form={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": auth.client_id,
                "client_secret": auth.client_secret,
                "redirect_uri": OOB,
                "code_verifier": auth.verifier,
                "scope": SCOPES,
            },
        )
    finally:
        if client is None:
            http.close()
    try:
        body: Any = resp.json()
    except ValueError:
        body = None
    token = body.get("access_token") if isinstance(body, dict) else None
    if resp.status_code in (400, 401, 403):
        raise CredentialsRejected(
            f"{auth.server} refused the code ({_said(resp)}): codes work once and expire "
            "within minutes; sign in again and paste the new code"
        )
    if resp.status_code != 200 or not isinstance(token, str) or not token:
        raise ChannelError(f"{auth.server} gave no access token ({_said(resp)})")
    return SignedIn(token, _verify(auth.server, token, client))


def _verify(server: str, token: str, client: httpx.Client | None) -> str:
    """Whose the token is. snac2 hands out a token even for a made-up code; it signs no one in."""
    import httpx  # imported on first use: httpx costs ~100 ms of the desktop's start-up

    http = client or make_client()
    url = f"{server}/api/v1/accounts/verify_credentials"
    try:
        resp = http.get(url, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise Unavailable(f"{redact(url)}: connection failed ({type(exc).__name__})") from None
    finally:
        if client is None:
            http.close()
    try:
        account: Any = resp.json()
    except ValueError:
        account = None
    acct = account.get("acct") if isinstance(account, dict) else None
    if resp.status_code != 200 or not isinstance(acct, str) or not acct:
        raise CredentialsRejected(
            f"{server} gave a token that signs no one in ({_said(resp)}): the code was wrong "
            "or already used; sign in again and paste the new code"
        )
    return acct


@dataclass(frozen=True)
class SignedIn:
    token: str
    acct: str  # who the token acts as, e.g. police or police@server

    def __repr__(self) -> str:  # the token never reaches a log line
        return f"SignedIn(acct={self.acct!r})"
