"""XRPC calls to a Bluesky PDS with a session from an app password, kept in the keyring.

createSession is limited to 30 per 5 minutes and 100–300 a day per account,
so the session pair (access ~2 h, refresh ~90 days) is kept in the keyring
beside the app password and renewed with refreshSession shortly before the
access token expires; an expired access token is HTTP **400** ExpiredToken
(not 401): renew and retry once. A refused renewal signs in again with the
app password and says so on the channel (`warning`). CHANNELS.md §7.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from services.channels.errors import (
    BadPayload,
    ChannelError,
    CredentialsRejected,
    PermissionMissing,
    RateLimited,
)
from services.channels.http import Response, make_client, request, retry_after_seconds
from services.records.payloads import Received
from services.workspace import secrets

if TYPE_CHECKING:
    import httpx

DEFAULT_RATE_WAIT = 60.0
# Renew the access token this long before it expires.
RENEW_AHEAD = 300.0
_TOKEN_ERRORS = ("ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing")


class SessionStore(Protocol):
    def load(self) -> dict[str, Any] | None: ...

    def save(self, session: dict[str, Any]) -> None: ...

    def forget(self) -> None: ...


class KeyringSession:
    """The session pair in the OS keyring, under the PDS and login it belongs to."""

    def __init__(self, pds: str, login: str) -> None:
        host = urlsplit(pds).netloc or pds
        self.user = f"bluesky-session:{login.lower()}@{host}"

    def load(self) -> dict[str, Any] | None:
        try:
            stored = secrets.backend().get_password(secrets.SERVICE, self.user)
        except Exception:  # an unreadable entry only costs one sign-in
            return None
        try:
            found = json.loads(stored) if stored else None
        except ValueError:
            return None
        return found if isinstance(found, dict) else None

    def save(self, session: dict[str, Any]) -> None:
        try:
            secrets.backend().set_password(secrets.SERVICE, self.user, json.dumps(session))
        except Exception as exc:
            raise ChannelError(
                f"the keyring refused to keep the Bluesky session ({type(exc).__name__})"
            ) from None

    def forget(self) -> None:
        try:
            secrets.backend().delete_password(secrets.SERVICE, self.user)
        except Exception:  # nothing stored, or nowhere to store: nothing to forget
            return


def token_expiry(jwt: str) -> float | None:
    """The `exp` claim (Unix seconds) of a JWT, read without checking it: only to renew early."""
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


def rate_limit_wait(headers: httpx.Headers, now: datetime | None = None) -> float:
    """Seconds to wait after a 429: Retry-After, else RateLimit-Reset (Unix seconds), else 60."""
    now = now or datetime.now(UTC)
    wait = retry_after_seconds(headers, now)
    if wait is not None:
        return wait
    reset = headers.get("RateLimit-Reset", "").strip()
    if reset.isdigit():
        return max(0.0, float(reset) - now.timestamp())
    return DEFAULT_RATE_WAIT


def error_of(resp: Response) -> tuple[str, str]:
    """(error name, message) of an XRPC error body; empty strings if there is none."""
    try:
        body = json.loads(resp.body)
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or "")[:80], str(body.get("message") or "")[:200]


class BlueskyApi:
    def __init__(
        self,
        pds: str,
        login: str,
        password: str,
        store: SessionStore,
        client: httpx.Client | None = None,
    ) -> None:
        self.pds = pds.rstrip("/")
        self.login = login.lstrip("@")
        self._password = password
        self._store = store
        self._client = client or make_client()
        self._session: dict[str, Any] | None = None
        # Shown on the channel after a run that succeeded with a problem worth knowing.
        self.warning: str | None = None
        # Recent answers as parsed, each object's bytes as sent (kept for evidence).
        self.received = Received()

    def close(self) -> None:
        self._client.close()

    # ---- the session ------------------------------------------------------------
    @property
    def did(self) -> str:
        return str(self._current()["did"])

    @property
    def handle(self) -> str:
        return str(self._current()["handle"])

    def _current(self) -> dict[str, Any]:
        if self._session is None:
            stored = self._store.load()
            ok = stored and all(isinstance(stored.get(k), str) for k in _SESSION_KEYS)
            self._session = stored if ok else None
        if self._session is None:
            self._sign_in()
        else:
            expires = token_expiry(str(self._session["accessJwt"]))
            if expires is not None and expires - time.time() < RENEW_AHEAD:
                self._renew()
        assert self._session is not None
        return self._session

    def _keep(self, body: Any, where: str) -> None:
        if not isinstance(body, dict) or not all(
            isinstance(body.get(k), str) for k in _SESSION_KEYS
        ):
            raise BadPayload(
                f"{where} did not return a session (accessJwt, refreshJwt, did, handle)"
            )
        self._session = {k: body[k] for k in _SESSION_KEYS}
        self._store.save(self._session)

    def _sign_in(self) -> None:
        where = "com.atproto.server.createSession"
        resp = self._raw(
            "POST",
            where,
            body={"identifier": self.login, "password": self._password},
            token=None,
            retry=False,
        )
        if resp.status == 200:
            self._keep(resp.json(), where)
            return
        name, message = error_of(resp)
        if name == "AccountTakedown":
            raise PermissionMissing(f"Bluesky has taken down the account {self.login}")
        if name == "AuthFactorTokenRequired":
            raise CredentialsRejected(
                f"{self.login} signs in with an e-mailed code: give Front Counter an app "
                "password (Settings → Privacy and security → App passwords), not the account password"
            )
        if resp.status in (400, 401):
            raise CredentialsRejected(
                f"Bluesky refused the app password for {self.login} ({message or name or resp.status}); "
                "create a new app password and connect the channel again"
            )
        raise ChannelError(f"{where} answered {resp.status} {name}".rstrip())

    def _renew(self) -> None:
        where = "com.atproto.server.refreshSession"
        assert self._session is not None
        resp = self._raw("POST", where, token=str(self._session["refreshJwt"]), retry=False)
        if resp.status == 200:
            self._keep(resp.json(), where)
            return
        if resp.status not in (400, 401):
            raise ChannelError(f"{where} answered {resp.status}")
        name, message = error_of(resp)
        self._session = None
        self._store.forget()
        self._sign_in()
        self.warning = (
            f"Bluesky refused to renew the saved session ({message or name or resp.status}); "
            "signed in again with the app password"
        )

    # ---- calls -------------------------------------------------------------------
    def _raw(
        self,
        method: str,
        nsid: str,
        *,
        params: Any = None,
        body: Any = None,
        token: str | None,
        retry: bool = True,
        ok: tuple[int, ...] = (),
    ) -> Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        resp = request(
            self._client,
            method,
            f"{self.pds}/xrpc/{nsid}",
            params=params,
            json_body=body,
            headers=headers,
            retry=retry,
            ok_statuses=(400, 401, 429, *ok),
        )
        if resp.status == 429:
            wait = rate_limit_wait(resp.headers)
            raise RateLimited(wait, datetime.fromtimestamp(time.time() + wait, UTC))
        return resp

    def call(
        self,
        method: str,
        nsid: str,
        *,
        params: Any = None,
        body: Any = None,
        retry: bool = True,
        ok: tuple[int, ...] = (),
    ) -> Response:
        """An authenticated call; statuses in `ok` (400 included) come back to the caller."""
        resp = self._raw(
            method, nsid, params=params, body=body, token=self._token(), retry=retry, ok=ok
        )
        if _token_refused(resp):
            # Expired (or revoked) between our check and the server's: renew, then once more.
            self._renew()
            resp = self._raw(
                method, nsid, params=params, body=body, token=self._token(), retry=retry, ok=ok
            )
            if _token_refused(resp):
                name, message = error_of(resp)
                raise CredentialsRejected(f"{nsid}: {message or name or resp.status}")
        if resp.status in (400, 401) and resp.status not in ok:
            name, message = error_of(resp)
            raise ChannelError(
                f"{nsid} refused the request ({name or resp.status}: {message or 'no reason given'})"
            )
        return resp

    def _token(self) -> str:
        return str(self._current()["accessJwt"])

    def get(self, nsid: str, params: Any = None) -> dict[str, Any]:
        body = self.received.read(self.call("GET", nsid, params=params))
        if not isinstance(body, dict):
            raise BadPayload(f"{nsid} answered JSON of the wrong shape (expected an object)")
        return body


_SESSION_KEYS = ("accessJwt", "refreshJwt", "did", "handle")


def _token_refused(resp: Response) -> bool:
    return resp.status in (400, 401) and error_of(resp)[0] in _TOKEN_ERRORS
