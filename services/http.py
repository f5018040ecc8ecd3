"""The only place that builds HTTP clients: explicit timeouts, a size cap, retries that honour Retry-After.

Only idempotent calls are retried here; sending a reply is never blindly
retried (the outbox reconciles with the platform instead).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import stamina

from services.channels.errors import (
    BadPayload,
    ChannelError,
    CredentialsRejected,
    Gone,
    PermissionMissing,
    RateLimited,
    Unavailable,
)

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(connect=5, read=20, write=20, pool=5)
MAX_BODY_BYTES = 10 * 1024 * 1024
USER_AGENT = "FrontCounter/0.1 (+police public engagement console)"
# Waits longer than this end the run: the channel is parked until the platform's time instead.
MAX_INLINE_WAIT = 30.0
ATTEMPTS = 4


def make_client(
    base_url: str = "",
    auth: httpx.Auth | tuple[str, str] | None = None,
    timeout: httpx.Timeout | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        auth=auth,
        timeout=timeout or TIMEOUT,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        limits=httpx.Limits(max_connections=4, max_keepalive_connections=2),
        follow_redirects=True,
    )


def redact(url: str | httpx.URL) -> str:
    """Scheme, host and path only: query strings may carry tokens."""
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


@dataclass(frozen=True)
class Response:
    status: int
    headers: httpx.Headers
    body: bytes
    url: str

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            reason = getattr(exc, "msg", "unreadable")
            raise BadPayload(
                f"{redact(self.url)} answered something that is not JSON ({reason})"
            ) from None


def retry_after_seconds(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _read_capped(response: httpx.Response, cap: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise BadPayload(
            f"{redact(response.url)} sent {int(declared):,} bytes; the limit is {cap:,}"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise BadPayload(
                f"{redact(response.url)} sent more than {cap:,} bytes; stopped reading"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _check_status(resp: Response, rate_limit_wait: float | None) -> None:
    status = resp.status
    where = redact(resp.url)
    if status == 429:
        wait = rate_limit_wait if rate_limit_wait is not None else 60.0
        raise RateLimited(wait)
    if status == 401:
        raise CredentialsRejected(f"{where} answered 401")
    if status == 403:
        raise PermissionMissing(f"{where} answered 403")
    if status in (404, 410):
        raise Gone(f"{where} answered {status}")
    if status >= 500:
        raise Unavailable(f"{where} answered {status}")


def _retry_hook(exc: Exception) -> bool | float:
    if isinstance(exc, RateLimited):
        return exc.wait_seconds if exc.wait_seconds <= MAX_INLINE_WAIT else False
    return isinstance(exc, Unavailable)


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    params: Any = None,
    json_body: Any = None,
    headers: Mapping[str, str] | None = None,
    cap: int = MAX_BODY_BYTES,
    retry: bool = True,
    ok_statuses: tuple[int, ...] = (),
) -> Response:
    """One HTTP call with the channel rules: capped body, mapped errors, retries if idempotent.

    Statuses in `ok_statuses` are returned to the caller instead of raised.
    """

    def once() -> Response:
        try:
            with client.stream(method, url, params=params, json=json_body, headers=headers) as raw:
                body = _read_capped(raw, cap) if raw.status_code != 304 else b""
                resp = Response(raw.status_code, raw.headers, body, str(raw.url))
        except httpx.TimeoutException:
            raise Unavailable(
                f"{redact(client.base_url.join(url))} did not answer in time"
            ) from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            kind = type(exc).__name__
            raise Unavailable(
                f"{redact(client.base_url.join(url))}: connection failed ({kind})"
            ) from None
        if resp.status in ok_statuses or resp.status < 400:
            return resp
        _check_status(resp, retry_after_seconds(resp.headers))
        raise ChannelError(f"{redact(resp.url)} answered {resp.status}")

    if not retry:
        return once()
    for attempt in stamina.retry_context(
        on=_retry_hook,
        attempts=ATTEMPTS,
        timeout=None,
        wait_initial=1.0,
        wait_max=300.0,
        wait_jitter=1.0,
    ):
        with attempt:
            return once()
    raise AssertionError("unreachable: stamina re-raises the last error")
