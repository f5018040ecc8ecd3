"""Calls to the X API v2 with a user access token: problem bodies read, `x-rate-limit-*` obeyed exactly.

X counts requests per endpoint in 15-minute windows and says so on every
answer (`x-rate-limit-limit`, `-remaining`, `-reset` in Unix seconds). The
last values per endpoint are kept: a call whose endpoint has none left is not
made, and the channel waits until that endpoint's reset (CHANNELS.md §5); a
429 waits until its reset, since X does not promise Retry-After.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from services.channels.errors import (
    BadPayload,
    CredentialsRejected,
    Gone,
    PermissionMissing,
    RateLimited,
    Rejected,
)
from services.channels.http import Response, make_client, redact, request
from services.records.payloads import Received

if TYPE_CHECKING:
    import httpx

DEFAULT_API = "https://api.x.com"
DM = "dm:"  # external ids of direct messages: event ids and post ids share one number space
TWEET_FIELDS = (
    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,"
    "attachments,entities,lang,edit_history_tweet_ids"
)
DM_PARAMS = {
    "dm_event.fields": "id,text,event_type,created_at,dm_conversation_id,sender_id,"
    "participant_ids,attachments",
    "expansions": "sender_id",
    "user.fields": "username,name",
    "max_results": "100",
}
# Without any reset header, wait one of X's windows.
DEFAULT_WAIT = 15 * 60.0
_ID = re.compile(r"/\d{4,}(?=/|$)")  # ids, not the /2 version


class TokenSource(Protocol):
    """An access token that can be renewed (services.channels.x_oauth.RefreshingToken)."""

    def current(self) -> str: ...

    def renew(self) -> str: ...


@dataclass(frozen=True)
class Limit:
    limit: int
    remaining: int
    reset: datetime

    def describe(self) -> str:
        return (
            f"{self.remaining} of {self.limit} requests left until "
            f"{self.reset.astimezone(UTC):%H:%M} UTC"
        )


def endpoint_of(method: str, path: str) -> str:
    """`GET /2/users/:id/mentions`: the key X counts a limit by."""
    return f"{method} {_ID.sub('/:id', path.split('?')[0])}"


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def limit_of(headers: httpx.Headers) -> Limit | None:
    limit = _int(headers.get("x-rate-limit-limit"))
    remaining = _int(headers.get("x-rate-limit-remaining"))
    reset = _int(headers.get("x-rate-limit-reset"))
    if limit is None or remaining is None or reset is None:
        return None
    return Limit(limit, remaining, datetime.fromtimestamp(reset, UTC))


def problem_text(resp: Response) -> str:
    """`title: detail` of an X problem body (or the older `errors[0].message`)."""
    try:
        body = json.loads(resp.body)
    except ValueError:
        return f"HTTP {resp.status}"
    if not isinstance(body, dict):
        return f"HTTP {resp.status}"
    errors = body.get("errors")
    if not body.get("title") and isinstance(errors, list) and errors:
        first = errors[0] if isinstance(errors[0], dict) else {}
        return str(first.get("message") or first.get("detail") or f"HTTP {resp.status}")[:200]
    title, detail = str(body.get("title") or ""), str(body.get("detail") or "")
    kind = str(body.get("type") or "").rsplit("/", 1)[-1]
    said = title if not detail or detail == title else f"{title}: {detail}"
    if kind and kind != "about:blank":
        said += f" ({kind})"
    return said[:200] or f"HTTP {resp.status}"


class XApi:
    def __init__(
        self, base: str, token: str | TokenSource, client: httpx.Client | None = None
    ) -> None:
        self.base = (base or DEFAULT_API).rstrip("/")
        # A fixed token, or one renewed through OAuth 2.0 (services.channels.x_oauth).
        self._token = token
        self._client = client or make_client()
        self.limits: dict[str, Limit] = {}
        # Recent answers as parsed, each object's bytes as sent (kept for evidence).
        self.received = Received()

    def close(self) -> None:
        self._client.close()

    def _wait_for(self, key: str) -> None:
        known = self.limits.get(key)
        now = datetime.now(UTC)
        if known is not None and known.remaining <= 0 and known.reset > now:
            raise RateLimited((known.reset - now).total_seconds(), known.reset)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        ok: tuple[int, ...] = (),
        needs: str = "tweet.read users.read",
    ) -> Response:
        key = endpoint_of(method, path)
        self._wait_for(key)
        resp = self._send(method, path, params, json_body, ok, self._bearer())
        if resp.status == 401 and not isinstance(self._token, str):
            # Expired or revoked: renew once through the refresh token (a refusal raises).
            resp = self._send(method, path, params, json_body, ok, self._token.renew())
        seen = limit_of(resp.headers)
        if seen is not None:
            self.limits[key] = seen
        if resp.status in ok or resp.status < 400:
            return resp
        said = problem_text(resp)
        if resp.status == 401:
            raise CredentialsRejected(
                f"X rejected the access token ({said}): it expires after 2 hours unless "
                "refreshed, or was revoked; connect the channel again with a new token"
            )
        if resp.status == 429:
            now = datetime.now(UTC)
            until = seen.reset if seen is not None else None
            wait = max(0.0, (until - now).total_seconds()) if until else DEFAULT_WAIT
            raise RateLimited(wait, until)
        if resp.status == 403:
            raise PermissionMissing(
                f"{needs} — X answered 403 ({said}): the app's access level or the token's "
                "scopes do not allow this"
            )
        if resp.status == 404:
            raise Gone(f"{redact(resp.url)}: {said}")
        raise Rejected(f"X refused the request ({said})")

    def _bearer(self) -> str:
        return self._token if isinstance(self._token, str) else self._token.current()

    def _send(
        self,
        method: str,
        path: str,
        params: Any,
        json_body: Any,
        ok: tuple[int, ...],
        token: str,
    ) -> Response:
        return request(
            self._client,
            method,
            self.base + path,
            params=params,
            json_body=json_body,
            headers={"Authorization": f"Bearer {token}"},
            retry=method == "GET",
            ok_statuses=(400, 401, 403, 404, 429, *ok),
        )

    def get(self, path: str, params: Any = None, needs: str = "tweet.read users.read") -> Any:
        data = self.received.read(self.call("GET", path, params=params, needs=needs))
        if not isinstance(data, dict):
            raise BadPayload(f"{redact(self.base + path)} did not answer a JSON object")
        return data

    def limit_note(self, *endpoints: str) -> str | None:
        """`x-rate-limit` as X last reported it for these endpoints, for the channel's state."""
        parts = [
            f"{key.split(' ', 1)[1]}: {self.limits[key].describe()}"
            for key in endpoints
            if key in self.limits
        ]
        return "x-rate-limit — " + "; ".join(parts) if parts else None


def data_list(page: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """`data` of a list answer; an empty answer has no `data` key at all."""
    data = page.get("data", [])
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise BadPayload(f"{where} answered JSON of the wrong shape (expected a 'data' list)")
    if "meta" not in page and "data" not in page:
        raise BadPayload(f"{where} answered JSON of the wrong shape (no 'data' nor 'meta')")
    return data


def id_of(obj: Any, where: str) -> str:
    value = obj.get("id") if isinstance(obj, dict) else None
    if not isinstance(value, str) or not value:
        raise BadPayload(f"{where}: an entry has no usable 'id' (X ids are strings)")
    return value
