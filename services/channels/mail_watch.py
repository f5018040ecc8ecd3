"""New mail within seconds: the worker keeps one IMAP IDLE session per e-mail channel.

Decision: each enabled e-mail channel gets a thread of its own in the worker
(services.channels.email_idle.watch_inbox) that only listens. When the server
says EXISTS, the channel is marked woken here, in memory, and the worker's next
tick (at most TICK_SECONDS later) syncs it with the channels that are due: the
fetch itself is the ordinary run, with its cursor, ingest and events. Nothing
is written for a wake-up: writing `next_poll_at = now` instead would race with
a run already under way, whose end sets `next_poll_at` to now + interval and
so would swallow the news. `take_woken` hands a channel over only once, and a
signal arriving during the run wakes it again for the tick after.

A server without IDLE ends its thread at once; such a channel is polled at its
interval as before. Only the worker in watch mode listens (`sync` once does not).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from services.channels.email_idle import watch_inbox
from services.channels.email_imap import MailboxSettings
from services.store.db import SessionFactory
from services.store.models import Channel
from services.workspace import secrets

log = logging.getLogger(__name__)
JOIN_SECONDS = 3.0


@dataclass
class _Watch:
    fingerprint: str
    stop: threading.Event
    thread: threading.Thread
    idling: threading.Event = field(default_factory=threading.Event)


def _fingerprint(config: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


class MailWatch:
    def __init__(
        self, factory: SessionFactory, secret_loader: Callable[[int], str | None] = secrets.load
    ) -> None:
        self._factory = factory
        self._secret = secret_loader
        self._watches: dict[int, _Watch] = {}
        self._woken: set[int] = set()
        self._lock = threading.Lock()

    # ---- what the worker calls --------------------------------------------------
    def refresh(self, channel_ids: Iterable[int]) -> None:
        """Listen on exactly the e-mail channels among these (started, restarted on a new config, stopped)."""
        wanted: dict[int, tuple[str, dict[str, object]]] = {}
        ids = list(channel_ids)
        if ids:
            with self._factory() as s:
                for cid, kind, config in s.execute(
                    select(Channel.id, Channel.kind, Channel.config).where(Channel.id.in_(ids))
                ):
                    if kind == "email":
                        wanted[cid] = (_fingerprint(dict(config or {})), dict(config or {}))
        for cid in list(self._watches):
            if cid not in wanted or wanted[cid][0] != self._watches[cid].fingerprint:
                self._end(cid)
        for cid, (fingerprint, config) in wanted.items():
            if cid not in self._watches:
                self._start(cid, fingerprint, config)

    def take_woken(self) -> set[int]:
        """Channels whose server announced new mail since the last call (each handed over once)."""
        with self._lock:
            woken, self._woken = self._woken, set()
        return woken

    def idling(self) -> set[int]:
        """Channels whose IDLE session is open now."""
        return {cid for cid, w in self._watches.items() if w.idling.is_set()}

    def listening(self) -> set[int]:
        """Channels whose listening thread still runs (one whose server has no IDLE has ended)."""
        return {cid for cid, w in self._watches.items() if w.thread.is_alive()}

    def stop(self) -> None:
        for watch in self._watches.values():
            watch.stop.set()  # all at once: each thread notices within CHECK_SECONDS
        for cid in list(self._watches):
            self._end(cid)

    # ---- the threads ------------------------------------------------------------
    def _start(self, channel_id: int, fingerprint: str, config: dict[str, object]) -> None:
        try:
            settings = MailboxSettings.from_config(config)
        except (KeyError, ValueError) as exc:
            log.info("channel #%s: no IDLE, the settings are incomplete (%s)", channel_id, exc)
            return
        stop = threading.Event()
        watch = _Watch(fingerprint, stop, threading.Thread())

        def wake() -> None:
            with self._lock:
                self._woken.add(channel_id)

        def idling(now: bool) -> None:
            (watch.idling.set if now else watch.idling.clear)()

        def run() -> None:
            try:
                watch_inbox(settings, lambda: self._secret(channel_id), wake, stop, idling)
            except Exception:  # a bug here must not stop the worker: polling goes on
                log.exception("IDLE on channel #%s failed; it is polled instead", channel_id)

        watch.thread = threading.Thread(target=run, name=f"imap-idle-{channel_id}", daemon=True)
        self._watches[channel_id] = watch
        watch.thread.start()

    def _end(self, channel_id: int) -> None:
        watch = self._watches.pop(channel_id)
        watch.stop.set()
        watch.thread.join(JOIN_SECONDS)  # a daemon thread: a stuck socket never holds the exit
