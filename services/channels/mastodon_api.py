"""Calls to a Mastodon-API server with the channel rules: the token, 401 and 429 read as Mastodon means them.

Everything goes through services.channels.http. Mastodon's 429 carries no
Retry-After: the wait comes from `X-RateLimit-Reset`, an ISO 8601 instant
(CHANNELS.md §0). Every request asks the server to close the connection:
snac2 closes each one after its answer without saying so, and a reply
posted on a connection it already closed would fail half the time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.channels.errors import BadPayload, CredentialsRejected, Gone, RateLimited
from services.channels.http import Response, make_client, redact, request, retry_after_seconds
from services.channels.mastodon_text import DEFAULT_LIMIT, DEFAULT_URL_CHARS
from services.records.payloads import Received

if TYPE_CHECKING:
    import httpx

# Without any hint from the server, wait this long after a 429.
DEFAULT_RATE_WAIT = 60.0


def parse_time(value: Any, where: str, name: str) -> datetime:
    if not isinstance(value, str):
        raise BadPayload(f"{where}: field {name!r} is missing")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadPayload(f"{where}: field {name!r} is unreadable ({value[:40]!r})") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def rate_limit_wait(headers: httpx.Headers, now: datetime | None = None) -> tuple[float, datetime]:
    """Seconds to wait after a 429, and until when: Retry-After if sent, else X-RateLimit-Reset."""
    now = now or datetime.now(UTC)
    wait = retry_after_seconds(headers, now)
    if wait is None:
        reset = headers.get("X-RateLimit-Reset", "")
        try:
            until = datetime.fromisoformat(reset.strip().replace("Z", "+00:00"))
            if until.tzinfo is None:
                until = until.replace(tzinfo=UTC)
            wait = max(0.0, (until - now).total_seconds())
        except ValueError:
            wait = DEFAULT_RATE_WAIT
    return wait, now.fromtimestamp(now.timestamp() + wait, UTC)


def id_of(obj: Any, where: str) -> str:
    """An id as a string: ids are opaque strings; a number is accepted, anything else is not."""
    value = obj.get("id") if isinstance(obj, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise BadPayload(f"{where}: an entry has no usable 'id'")
    return str(value)


class MastodonApi:
    def __init__(self, server: str, token: str, client: httpx.Client | None = None) -> None:
        self.server = server.rstrip("/")
        self._token = token
        self._client = client or make_client()
        self._me: dict[str, Any] | None = None
        self._limits: tuple[int, int] | None = None
        # Recent answers as parsed, each object's bytes as sent (kept for evidence).
        self.received = Received()

    def close(self) -> None:
        self._client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        retry: bool = True,
        ok: tuple[int, ...] = (),
        auth: bool = True,
    ) -> Response:
        sent = {"Connection": "close", **(headers or {})}
        if auth:
            sent["Authorization"] = f"Bearer {self._token}"
        resp = request(
            self._client,
            method,
            self.server + path,
            params=params,
            json_body=json_body,
            headers=sent,
            retry=retry,
            ok_statuses=(401, 429, *ok),
        )
        if resp.status == 401:
            raise CredentialsRejected(
                f"{redact(resp.url)} answered 401 ({error_text(resp) or 'no reason given'}): the access "
                "token is wrong or was revoked; connect the channel again with a new one"
            )
        if resp.status == 429:
            wait, until = rate_limit_wait(resp.headers)
            raise RateLimited(wait, until)
        return resp

    def get_json(self, path: str, params: Any = None) -> Any:
        return self.received.read(self.call("GET", path, params=params))

    def me(self) -> dict[str, Any]:
        """The account the token belongs to (verify_credentials), read once."""
        if self._me is None:
            where = "/api/v1/accounts/verify_credentials"
            me = self.get_json(where)
            if not isinstance(me, dict) or not me.get("acct"):
                raise BadPayload(f"{where} did not describe an account")
            id_of(me, where)
            self._me = me
        return self._me

    def limits(self) -> tuple[int, int]:
        """(max characters per status, characters counted per URL), as the instance says."""
        if self._limits is None:
            self._limits = self._read_limits()
        return self._limits

    def _read_limits(self) -> tuple[int, int]:
        v2 = self.call("GET", "/api/v2/instance", ok=(404, 410), auth=False)
        if v2.status == 200:
            found = _statuses_config(v2.json())
            if found is not None:
                return found
        try:
            v1 = self.get_json("/api/v1/instance")
        except Gone:
            return DEFAULT_LIMIT, DEFAULT_URL_CHARS
        found = _statuses_config(v1)
        if found is not None:
            return found
        # Pleroma and Akkoma say it their own way.
        toot = v1.get("max_toot_chars") if isinstance(v1, dict) else None
        if isinstance(toot, int) and not isinstance(toot, bool) and toot > 0:
            return toot, DEFAULT_URL_CHARS
        return DEFAULT_LIMIT, DEFAULT_URL_CHARS


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _statuses_config(instance: Any) -> tuple[int, int] | None:
    if not isinstance(instance, dict):
        return None
    config = instance.get("configuration")
    statuses = config.get("statuses") if isinstance(config, dict) else None
    if not isinstance(statuses, dict):
        return None
    limit = _positive(statuses.get("max_characters"))
    if limit is None:
        return None
    return limit, _positive(statuses.get("characters_reserved_per_url")) or DEFAULT_URL_CHARS


def error_text(resp: Response) -> str:
    try:
        body = resp.json()
    except BadPayload:
        return ""
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("error") or "")[:200]
    return ""
