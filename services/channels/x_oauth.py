"""X's OAuth 2.0 tokens: renewed with the refresh token before they expire or after a 401.

An X user access token lives 2 hours; with `offline.access` a refresh token
comes with it. `POST /2/oauth2/token` (`grant_type=refresh_token`) answers a
new access token *and a new refresh token*: the old refresh token is spent, so
the pair is written to the keyring before it is used (CHANNELS.md §5). A
confidential client sends its secret as HTTP Basic auth, a public one its
`client_id` in the form. A refused renewal puts the channel in error with what
to do.

The pair lives in its own keyring entry, named by the channel's configuration
(`token_key`), beside the channel's own secret (the access token typed first).
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from services.channels.errors import ChannelError, CredentialsRejected, Unavailable
from services.channels.http import make_client
from services.workspace import secrets

if TYPE_CHECKING:
    import httpx

TOKEN_PATH = "/2/oauth2/token"
# Renew this long before the access token's stated expiry.
RENEW_AHEAD = 120.0
RENEW_HELP = (
    "sign in to X as the force's account again (OAuth 2.0 with offline.access) and type the "
    "new access and refresh tokens in Channels › Edit, or run `channel edit NAME --secret-stdin`"
)


def new_token_key() -> str:
    """A name for a channel's token entry, stored in its (non-secret) configuration."""
    return f"x-oauth:{uuid.uuid4().hex}"


@dataclass
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: float | None = None  # Unix seconds; None: unknown, renewed after a 401
    client_secret: str = ""

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str | None) -> TokenPair | None:
        try:
            data = json.loads(text) if text else None
        except ValueError:
            return None
        if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str) for k in ("access_token", "refresh_token")
        ):
            return None
        expires = data.get("expires_at")
        return cls(
            data["access_token"],
            data["refresh_token"],
            float(expires) if isinstance(expires, (int, float)) else None,
            str(data.get("client_secret") or ""),
        )


class KeyringTokens:
    """The pair in the OS keyring under `key`."""

    def __init__(self, key: str) -> None:
        self.key = key

    def load(self) -> TokenPair | None:
        try:
            return TokenPair.from_json(secrets.backend().get_password(secrets.SERVICE, self.key))
        except Exception:  # unreadable: the channel's own token is used until a 401
            return None

    def save(self, pair: TokenPair) -> None:
        try:
            secrets.backend().set_password(secrets.SERVICE, self.key, pair.to_json())
        except Exception as exc:
            raise ChannelError(
                f"the keyring refused to keep X's renewed tokens ({type(exc).__name__})"
            ) from None

    def forget(self) -> None:
        try:
            secrets.backend().delete_password(secrets.SERVICE, self.key)
        except Exception:
            return


def _error_text(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {resp.status_code}"
    said = str(body.get("error_description") or body.get("detail") or "")
    name = str(body.get("error") or body.get("title") or f"HTTP {resp.status_code}")
    return f"{name}: {said}"[:200] if said else name[:200]


class RefreshingToken:
    """The current access token, renewed through the refresh token when due or refused."""

    def __init__(
        self,
        base: str,
        client_id: str,
        store: KeyringTokens,
        first: str,
        client: httpx.Client | None = None,
    ) -> None:
        self._base = base.rstrip("/")
        self._client_id = client_id
        self._store = store
        self._first = first
        self._client = client

    def current(self) -> str:
        pair = self._store.load()
        if pair is None:
            return self._first
        if pair.expires_at is not None and pair.expires_at - RENEW_AHEAD <= time.time():
            return self.renew()
        return pair.access_token

    def renew(self) -> str:
        """A new pair from the refresh token, kept before use; refused → CredentialsRejected."""
        pair = self._store.load()
        if pair is None:
            raise CredentialsRejected(
                f"X rejected the access token and no refresh token is stored: {RENEW_HELP}"
            )
        form = {
            "grant_type": "refresh_token",
            "refresh_token": pair.refresh_token,
            "client_id": self._client_id,
        }
        import httpx  # imported on first use: httpx costs ~100 ms of the desktop's start-up

        # A confidential client authenticates with Basic auth; a public one by client_id alone.
        auth = httpx.BasicAuth(self._client_id, pair.client_secret) if pair.client_secret else None
        client = self._client or make_client()
        try:
            resp = client.post(
                self._base + TOKEN_PATH, data=form, auth=auth or httpx.USE_CLIENT_DEFAULT
            )
        except httpx.HTTPError as exc:
            raise Unavailable(
                f"X's token endpoint could not be reached ({type(exc).__name__})"
            ) from None
        finally:
            if self._client is None:
                client.close()
        if resp.status_code >= 500:
            raise Unavailable(f"X's token endpoint failed (HTTP {resp.status_code})")
        body: Any = None
        with contextlib.suppress(ValueError):
            body = resp.json()
        access = body.get("access_token") if isinstance(body, dict) else None
        if resp.status_code != 200 or not isinstance(access, str) or not access:
            raise CredentialsRejected(
                f"X refused to renew the access token ({_error_text(resp)}): {RENEW_HELP}"
            )
        assert isinstance(body, dict)
        expires_in = body.get("expires_in")
        renewed = TokenPair(
            access,
            str(body.get("refresh_token") or pair.refresh_token),
            time.time() + float(expires_in) if isinstance(expires_in, (int, float)) else None,
            pair.client_secret,
        )
        self._store.save(renewed)
        return access


def token_source(
    config: dict[str, Any], first: str, base: str, client: httpx.Client | None = None
) -> str | RefreshingToken:
    """The channel's token: renewing when it was added with a client id and refresh token."""
    client_id, key = config.get("client_id"), config.get("token_key")
    if isinstance(client_id, str) and client_id and isinstance(key, str) and key:
        return RefreshingToken(base, client_id, KeyringTokens(key), first, client)
    return first
