"""Calls to the Graph API with a Page access token: errors read by their code, usage headers obeyed.

Graph answers almost every failure with HTTP 400 and an `error.code`
(CHANNELS.md §4), so statuses are not enough: `classify` turns the code into
the channel error the officer must see. There is no 429 either; the usage
headers (`X-App-Usage`, `X-Page-Usage`, `X-Business-Use-Case-Usage`) say how
much of the allowance is spent, and the channel parks itself at `PARK_AT`
percent, before Meta blocks the Page for an hour or more.

The token goes in the Authorization header, never in a URL we build; the
`paging.next` URLs Graph hands back carry `access_token=` and are only ever
shown through `redact`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from services.channels.errors import (
    BadPayload,
    ChannelError,
    CredentialsRejected,
    Gone,
    PermissionMissing,
    RateLimited,
    Rejected,
    Unavailable,
)
from services.channels.http import Response, make_client, redact, request
from services.records.payloads import Received

if TYPE_CHECKING:
    import httpx

DEFAULT_API = "https://graph.facebook.com/v21.0"
CONVERSATION_FIELDS = (
    "id,updated_time,participants,unread_count,"
    "messages.limit(20){id,created_time,from,to,message,attachments}"
)
MESSAGE_FIELDS = "id,created_time,from,to,message,attachments"
# Percent of any allowance at which the channel stops polling until Meta's regain time.
PARK_AT = 90
# Percent at which the channel says it is close to the limit.
WARN_AT = 75
# When Meta gives no regain time: its windows are rolling hours.
DEFAULT_WAIT_MINUTES = 15
_THROTTLE_CODES = {4, 17, 32, 613, 80001, 80002, 80005}
_USAGE_HEADERS = ("X-App-Usage", "X-Page-Usage", "X-Business-Use-Case-Usage")


def parse_time(value: Any, where: str, name: str = "created_time") -> datetime:
    """Graph's `2026-11-24T10:00:00+0000` (offset without a colon) as an aware UTC time."""
    if not isinstance(value, str):
        raise BadPayload(f"{where}: field {name!r} is missing")
    try:
        when = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise BadPayload(f"{where}: field {name!r} is unreadable ({value[:40]!r})") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def id_of(obj: Any, where: str) -> str:
    value = obj.get("id") if isinstance(obj, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise BadPayload(f"{where}: an entry has no usable 'id'")
    return str(value)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def usage_of(headers: httpx.Headers) -> tuple[float, float]:
    """(highest percent used of any allowance, minutes Meta says until access returns)."""
    used, regain = 0.0, 0.0
    for name in _USAGE_HEADERS:
        value = headers.get(name)
        if not value:
            continue
        try:
            data = json.loads(value)
        except ValueError:
            continue
        # App/Page usage is one object; business use case usage is {page id: [objects]}.
        entries = [data] if name != "X-Business-Use-Case-Usage" else []
        if isinstance(data, dict) and name == "X-Business-Use-Case-Usage":
            for per_page in data.values():
                entries += per_page if isinstance(per_page, list) else []
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for key in ("call_count", "total_cputime", "total_time"):
                used = max(used, _number(entry.get(key)))
            regain = max(regain, _number(entry.get("estimated_time_to_regain_access")))
    return used, regain


def _error(resp: Response) -> dict[str, Any]:
    try:
        body = json.loads(resp.body)
    except ValueError:
        return {}
    found = body.get("error") if isinstance(body, dict) else None
    return found if isinstance(found, dict) else {}


def classify(resp: Response, needs: str, regain_minutes: float = 0.0) -> ChannelError:
    """The channel error for a Graph failure; `needs` names the permission the call requires."""
    err = _error(resp)
    code = err.get("code")
    sub = err.get("error_subcode")
    said = str(err.get("error_user_msg") or err.get("message") or f"HTTP {resp.status}")[:200]
    where = redact(resp.url)
    if code == 190:
        if sub == 463:
            return CredentialsRejected(
                "the Page access token expired — reconnect: get a new Page token and run "
                "`channel add facebook` again"
            )
        return CredentialsRejected(
            f"Facebook no longer accepts the Page access token ({said}): the password was "
            "changed, the app removed or the Page role lost; reconnect with a new token"
        )
    if code == 10 and sub == 2018278:
        return Rejected(
            "outside Messenger's reply window: a Page may answer only within 24 hours of "
            "the person's last message"
        )
    if code == 10900:
        return Rejected(
            "Facebook allows one private reply per comment, and this comment has had it: "
            "answer in public, or wait for the person to write back in Messenger"
        )
    if code == 10 or (isinstance(code, int) and 200 <= code <= 299):
        return PermissionMissing(
            f"{needs} — {said}. A Page admin must grant it to the app (Meta Business "
            "settings → the app → permissions), then reconnect"
        )
    if (code == 100 and sub == 33) or resp.status == 404:
        return Gone(f"{where}: the object is deleted or this token cannot see it")
    if code in _THROTTLE_CODES:
        wait = (regain_minutes or DEFAULT_WAIT_MINUTES) * 60.0
        return RateLimited(wait, datetime.now(UTC) + timedelta(seconds=wait))
    if code in (1, 2) or resp.status >= 500:
        return Unavailable(f"{where}: Facebook had a temporary problem ({said})")
    if code == 368:
        return ChannelError(
            f"Facebook has blocked this Page from acting for a while ({said}): wait, and "
            "check the Page's support inbox"
        )
    if resp.status == 401:
        return CredentialsRejected(said)
    return Rejected(f"Facebook refused the request ({said})")


class GraphApi:
    def __init__(self, base: str, token: str, client: httpx.Client | None = None) -> None:
        self.base = (base or DEFAULT_API).rstrip("/")
        self._token = token
        self._client = client or make_client()
        self.usage = 0.0  # highest percent of an allowance seen on the last answer
        self._regain = 0.0
        # Recent answers as parsed, each object's bytes as sent (kept for evidence).
        self.received = Received()

    def close(self) -> None:
        self._client.close()

    def url_for(self, path_or_next: str) -> str:
        """Our base with the path (and query) of a path or of Graph's own `paging.next` URL.

        `next` names graph.facebook.com; a force's egress proxy (or a test server) is
        our base, so only its path and query are kept.
        """
        if path_or_next.startswith(("http://", "https://")):
            parts = urlsplit(path_or_next)
            base_path = urlsplit(self.base).path
            path = parts.path
            # Graph's next URL repeats its version prefix (/v21.0): keep it once.
            if base_path and path.startswith(base_path):
                path = path[len(base_path) :]
            # Our token travels in the header; one in the query would end up in logs.
            query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "access_token"])
            return self.base + path + (f"?{query}" if query else "")
        return self.base + path_or_next

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        needs: str = "pages_read_engagement",
        retry: bool = True,
    ) -> Response:
        if self.usage >= PARK_AT:
            wait = (self._regain or DEFAULT_WAIT_MINUTES) * 60.0
            raise RateLimited(wait, datetime.now(UTC) + timedelta(seconds=wait))
        resp = request(
            self._client,
            method,
            self.url_for(path),
            params=params,
            json_body=json_body,
            headers={"Authorization": f"Bearer {self._token}"},
            retry=retry and method == "GET",
            ok_statuses=(400, 401, 403, 404, 429),
        )
        self.usage, self._regain = usage_of(resp.headers)
        if resp.status >= 400:
            raise classify(resp, needs, self._regain)
        return resp

    def get(self, path: str, params: Any = None, needs: str = "pages_read_engagement") -> Any:
        data = self.received.read(self.call("GET", path, params=params, needs=needs))
        if not isinstance(data, dict):
            raise BadPayload(f"{redact(self.url_for(path))} did not answer a JSON object")
        return data

    def pages(
        self, path: str, params: Any = None, needs: str = "pages_read_engagement", limit: int = 50
    ) -> Iterator[Any]:
        """Every `data` entry, following `paging.next` (at most `limit` pages)."""
        url: str | None = path
        for _ in range(limit):
            if url is None:
                return
            page = self.get(url, params if url == path else None, needs)
            data = page.get("data")
            if not isinstance(data, list):
                raise BadPayload(f"{redact(self.url_for(path))} answered without a 'data' list")
            yield from data
            paging = page.get("paging")
            nxt = paging.get("next") if isinstance(paging, dict) else None
            url = nxt if isinstance(nxt, str) and nxt else None

    @property
    def usage_note(self) -> str | None:
        if self.usage >= WARN_AT:
            return (
                f"Graph API usage at {self.usage:.0f}% of the allowance: polling stops at "
                f"{PARK_AT}% until Meta's regain time"
            )
        return None
