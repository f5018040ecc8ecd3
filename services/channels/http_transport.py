"""The guarded sockets under every HTTP client: loaded only when a channel first talks to the network.

Split from services/channels/http.py so that building the channel registry does
not import httpx and httpcore (~100 ms of the desktop's start-up); http.py
imports this module on first use, from `make_client`. It does not import
http.py back (services/ has no import circles): `make_client` hands the guarded
sockets the function that reads the current limits (deadline, stop event).

httpx's timeouts bound each socket read, not a response: a server that
trickles one byte every few seconds never trips them. So every client's
sockets go through `_GuardedStream`, which enforces an overall deadline per
response (`http.RESPONSE_DEADLINE`) and, inside `http.stop_on(event)`, gives up
within a fraction of a second once the worker is asked to stop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpcore
import httpx

TIMEOUT = httpx.Timeout(connect=5, read=20, write=20, pool=5)
# How often a blocked read looks at the stop event: the worker's reaction time to SIGTERM.
_SLICE = 0.25


class Limits(Protocol):
    """What http.py's `_Limits` offers the sockets: the stop event and the response deadline."""

    @property
    def stop(self) -> threading.Event | None: ...

    def check(self) -> None: ...

    def remaining(self, timeout: float | None) -> float | None: ...


CurrentLimits = Callable[[], Limits]


class _GuardedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, current: CurrentLimits) -> None:
        self._inner = inner
        self._current = current

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        limits = self._current()
        give_up = None if timeout is None else time.monotonic() + timeout
        while True:
            limits.check()
            wait = limits.remaining(_SLICE if limits.stop is not None else timeout)
            if give_up is not None:
                wait = min(wait if wait is not None else _SLICE, give_up - time.monotonic())
            try:
                # A timed-out recv consumed nothing: reading again is safe, for TLS too.
                return self._inner.read(max_bytes, max(wait, 0.001) if wait is not None else None)
            except httpcore.ReadTimeout:
                if give_up is not None and time.monotonic() >= give_up:
                    raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        limits = self._current()
        limits.check()
        self._inner.write(buffer, limits.remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        limits = self._current()
        limits.check()
        inner = self._inner.start_tls(ssl_context, server_hostname, limits.remaining(timeout))
        return _GuardedStream(inner, self._current)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend, current: CurrentLimits) -> None:
        self._inner = inner
        self._current = current

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        limits = self._current()
        limits.check()
        stream = self._inner.connect_tcp(
            host, port, limits.remaining(timeout), local_address, socket_options
        )
        return _GuardedStream(stream, self._current)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        return _GuardedStream(
            self._inner.connect_unix_socket(path, timeout, socket_options), self._current
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _guard(client: httpx.Client, current: CurrentLimits) -> httpx.Client:
    # httpx has no network_backend argument, so the pools it built (proxies included)
    # get our guarded backend wrapped around theirs.
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _GuardedBackend):
            pool._network_backend = _GuardedBackend(backend, current)  # type: ignore[union-attr]
    return client


def build_client(
    base_url: str,
    auth: httpx.Auth | tuple[str, str] | None,
    timeout: httpx.Timeout,
    headers: Mapping[str, str],
    proxy: str | None,
    current: CurrentLimits,
) -> httpx.Client:
    client = httpx.Client(
        base_url=base_url,
        auth=auth,
        timeout=timeout,
        headers=dict(headers),
        limits=httpx.Limits(max_connections=4, max_keepalive_connections=2),
        follow_redirects=True,
        # The force's proxy (config `http_proxy`) for every platform; unset, httpx reads
        # HTTP(S)_PROXY and NO_PROXY from the environment as before.
        proxy=proxy,
    )
    return _guard(client, current)
