"""The only place that builds HTTP clients: explicit timeouts, a size cap, retries that honour Retry-After.

Only idempotent calls are retried here; sending a reply is never blindly
retried (the outbox reconciles with the platform instead).

httpx's timeouts bound each socket read, not a response: a server that
trickles one byte every few seconds never trips them. So every client's
sockets go through `_GuardedStream` (services/channels/http_transport.py),
which enforces an overall deadline per response (`RESPONSE_DEADLINE`) and,
inside `stop_on(event)`, gives up within a fraction of a second once the
worker is asked to stop.

httpx, httpcore and stamina are imported on first use, not here: the channel
registry imports this module at start-up, long before any channel talks to the
network, and those three cost ~120 ms of the desktop's start-up.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from services.channels.errors import (
    BadPayload,
    ChannelError,
    CredentialsRejected,
    Gone,
    PermissionMissing,
    RateLimited,
    Unavailable,
)
from services.workspace import site_config

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

# Every client's timeouts; None: http_transport.TIMEOUT (built there, with httpx).
TIMEOUT: httpx.Timeout | None = None
MAX_BODY_BYTES = 10 * 1024 * 1024
USER_AGENT = "FrontCounter/0.1 (+police public engagement console)"
# Waits longer than this end the run: the channel is parked until the platform's time instead.
MAX_INLINE_WAIT = 30.0
ATTEMPTS = 4
# The whole of one response (headers and body) must arrive within this, however it trickles.
RESPONSE_DEADLINE = 60.0


class TooSlow(Unavailable):
    """The answer trickled past RESPONSE_DEADLINE: not retried within the run, that would
    only multiply the wait; the next poll tries again."""


class Stopped(ChannelError):
    """The worker was asked to stop while waiting on the network; the run resumes next time."""

    def __init__(self) -> None:
        super().__init__("stopped before the end of the run; it resumes next time")


@dataclass(frozen=True)
class _Limits:
    stop: threading.Event | None = None
    deadline: float | None = None  # time.monotonic() by which the current response must be in

    def check(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Stopped()
        if self.deadline is not None and time.monotonic() >= self.deadline:
            # Only the guarded transport checks limits, so httpcore is loaded already.
            import httpcore

            raise httpcore.ReadTimeout("the response did not complete in time")

    def remaining(self, timeout: float | None) -> float | None:
        if self.deadline is None:
            return timeout
        left = max(0.0, self.deadline - time.monotonic())
        return left if timeout is None else min(timeout, left)


_NO_LIMITS = _Limits()
_limits_var: ContextVar[_Limits | None] = ContextVar("http_limits", default=None)


def _current() -> _Limits:  # handed to http_transport's guarded sockets by make_client
    return _limits_var.get() or _NO_LIMITS


@contextmanager
def stop_on(event: threading.Event) -> Iterator[None]:
    """Network waits in this thread end with `Stopped` soon after `event` is set."""
    token = _limits_var.set(replace(_current(), stop=event))
    try:
        yield
    finally:
        _limits_var.reset(token)


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    token = _limits_var.set(replace(_current(), deadline=time.monotonic() + seconds))
    try:
        yield
    finally:
        _limits_var.reset(token)


def make_client(
    base_url: str = "",
    auth: httpx.Auth | tuple[str, str] | None = None,
    timeout: httpx.Timeout | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    # imported on first use: httpx and httpcore cost ~100 ms of the desktop's start-up,
    # and nothing needs them until a channel talks to the network.
    from services.channels import http_transport

    chosen = timeout or TIMEOUT or http_transport.TIMEOUT
    return http_transport.build_client(
        base_url,
        auth,
        chosen,
        {"User-Agent": USER_AGENT, **(headers or {})},
        site_config.current().http_proxy,
        _current,
    )


def redact(url: str | httpx.URL) -> str:
    """Scheme, host and path only: `user:token@` and query strings may carry secrets."""
    parts = urlsplit(str(url))
    host = parts.netloc.rpartition("@")[2]  # userinfo ends at the last "@" before the host
    return f"{parts.scheme}://{host}{parts.path}"


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
    """False: give up; True: back off exponentially; a number: wait that long (Retry-After)."""
    if isinstance(exc, RateLimited):
        return exc.wait_seconds if exc.wait_seconds <= MAX_INLINE_WAIT else False
    return isinstance(exc, Unavailable) and not isinstance(exc, TooSlow)


def _backoff(attempt: int) -> float:
    return min(300.0, 2.0 ** (attempt - 1)) + random.uniform(0, 1.0)


def _pause(seconds: float) -> None:
    """Wait between attempts, cut short by the stop event (stamina's sleep cannot be)."""
    import stamina  # imported on first use: only a failed call waits

    if stamina.is_testing() or seconds <= 0:
        return
    stop = _current().stop
    if stop is None:
        time.sleep(seconds)
    elif stop.wait(seconds):
        raise Stopped()


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
    import httpx  # loaded already: `client` is one

    def once() -> Response:
        started = time.monotonic()
        try:
            with (
                _deadline(RESPONSE_DEADLINE),
                client.stream(method, url, params=params, json=json_body, headers=headers) as raw,
            ):
                body = _read_capped(raw, cap) if raw.status_code != 304 else b""
                resp = Response(raw.status_code, raw.headers, body, str(raw.url))
        except httpx.TimeoutException:
            where = redact(client.base_url.join(url))
            if time.monotonic() - started >= RESPONSE_DEADLINE:
                raise TooSlow(
                    f"{where} did not finish its answer within {RESPONSE_DEADLINE:.0f} s "
                    "(it sends too slowly); gave up"
                ) from None
            raise Unavailable(f"{where} did not answer in time") from None
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
    attempt = 1
    while True:
        try:
            return once()
        except ChannelError as exc:
            verdict = _retry_hook(exc)
            if verdict is False or attempt >= ATTEMPTS:
                raise
            _pause(_backoff(attempt) if verdict is True else float(verdict))
            attempt += 1
