"""Off-thread work for the GUI: a plain function on a thread pool, its result posted back.

Each job has a key; starting a newer job with the same key makes the older
one's result stale, and stale results are dropped (a generation counter), so
a fast typist never sees an old search land after a new one. A job started
with `run_cancellable` is also told so while it runs (its `cancelled()` turns
True), so a scan over a million ids stops instead of running to its end.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QRunnable,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Outcome:
    result: Any
    error: Exception | None


class _Relay(QObject):
    """Lives on the GUI thread: a signal emitted from a worker is queued back here."""

    # One object argument, never a bare None: passing None through queued `object` signals
    # was seen to corrupt None's reference count (fatal "deallocating None") on CPython 3.11.
    finished = Signal(object)

    def __init__(self, callback: Callable[[Any, Exception | None], None]) -> None:
        super().__init__()
        self._callback = callback
        self.finished.connect(self._on_finished)

    @Slot(object)
    def _on_finished(self, outcome: _Outcome) -> None:
        self._callback(outcome.result, outcome.error)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # delivered to the GUI thread, never swallowed
            log.debug("job failed: %s", traceback.format_exc())
            self._relay.finished.emit(_Outcome(None, exc))
        else:
            self._relay.finished.emit(_Outcome(result, None))


class _AfterPaint(QObject):
    """Runs what it is given just after `widget`'s next paint, or after `limit_ms` at the
    latest (an obscured window may never paint). One per widget, for the widget's life:
    deleting these watchers as they fired crashed the process in the test suite."""

    def __init__(self, widget: QWidget, limit_ms: int) -> None:
        super().__init__(widget)
        self._pending: list[Callable[[], None]] = []
        self._limit_ms = limit_ms
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run)
        widget.installEventFilter(self)

    def add(self, fn: Callable[[], None]) -> None:
        self._pending.append(fn)
        if not self._timer.isActive():
            self._timer.start(self._limit_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._pending and event.type() == QEvent.Type.Paint:
            self._timer.start(0)  # once this paint has finished
        return False

    def _run(self) -> None:
        pending, self._pending = self._pending, []
        for fn in pending:
            fn()


class Jobs(QObject):
    """Runs callables off the GUI thread; callbacks run on the GUI thread."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._generation: dict[str, int] = {}
        self._superseded: dict[str, threading.Event] = {}
        self._running = 0
        self._relays: set[_Relay] = set()
        # Held here: one made on a temporary wrapper (a view's viewport()) would be freed with
        # it while Qt still calls its event filter.
        self._watchers: dict[QWidget, _AfterPaint] = {}

    @property
    def running(self) -> int:
        return self._running

    def run(
        self,
        key: str,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        generation = self._generation.get(key, 0) + 1
        self._generation[key] = generation
        if (older := self._superseded.pop(key, None)) is not None:
            older.set()  # a running older job with this key may stop now

        def deliver(result: Any, error: Exception | None) -> None:
            self._relays.discard(relay)
            self._running -= 1
            if self._generation.get(key) != generation:
                return  # a newer job with this key superseded this one
            if error is not None:
                if on_error is None:
                    log.error("background job %s failed: %s", key, error)
                else:
                    on_error(error)
            else:
                on_done(result)

        relay = _Relay(deliver)
        self._relays.add(relay)
        self._running += 1
        self._pool.start(_Runnable(fn, relay))

    def run_cancellable(
        self,
        key: str,
        fn: Callable[[Callable[[], bool]], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """As `run`, but `fn` is handed `cancelled()`: True once a newer job with `key` starts."""
        superseded = threading.Event()
        self.run(key, lambda: fn(superseded.is_set), on_done, on_error)
        self._superseded[key] = superseded

    def after_paint(self, widget: QWidget, fn: Callable[[], None], key: str = "") -> None:
        """Calls `fn` on the GUI thread once `widget` has painted what it was just given (at
        once if it is hidden). With `key`, `fn` is dropped if a newer job with `key` started.

        A worker holding the GIL makes every call from Qt's painting into Python wait for it,
        so work started beside a first page made that page paint 100-200 ms later.
        """
        generation = self._generation.get(key, 0)

        def fire() -> None:
            if self._generation.get(key, 0) == generation:
                fn()

        if not widget.isVisible():
            fire()
            return
        self._running += 1  # counted as running, so waiting until idle waits for it too

        def painted() -> None:
            self._running -= 1
            fire()

        watcher = self._watchers.get(widget)
        if watcher is None:
            watcher = self._watchers[widget] = _AfterPaint(widget, limit_ms=250)
        watcher.add(painted)

    def wait(self, msecs: int = 30_000) -> bool:
        return self._pool.waitForDone(msecs)

    def wait_until_idle(self, timeout: float = 20.0, quiet_rounds: int = 3) -> bool:
        """Deliver results until no job has run for a few rounds (a result may start another).

        The one "wait until idle" helper: the screenshot command and the UI tests use it.
        """
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline:
            QCoreApplication.processEvents()
            self._pool.waitForDone(20)
            QCoreApplication.processEvents()
            quiet = quiet + 1 if self._running == 0 else 0
            if quiet >= quiet_rounds:
                return True
        return False
