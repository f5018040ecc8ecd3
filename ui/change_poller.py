"""Polls the database's change feed so edits from other desktops and the worker show up live.

On PostgreSQL a listener (LISTEN/NOTIFY, on its own thread) asks for a poll the
moment another desktop or the worker commits, and the timer slows to a safety
net; if the listener's connection drops, the timer goes back to every second
until the listener is back (it reconnects by itself), then polls once for what it
missed and slows down again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from services.errors import DatabaseFault
from services.store.db import origin_of
from services.workspace import change_feed
from services.workspace.change_feed import ChangeListener
from services.workspace.changes import Changes
from ui.context import UiContext

POLL_MS = 1000
# While LISTEN works, the timer only covers a notification lost with a dropped connection.
LISTENING_POLL_MS = 10_000


class ChangePoller(QObject):
    changes_seen = Signal(object)
    """Changes made elsewhere since the last poll (this desktop's own are applied when made)."""
    database_lost = Signal(str)
    """The database file was deleted or replaced under us: polling stopped; the text says why."""
    _notified = Signal()
    """From the listener's thread: someone else committed a change (queued to the GUI thread)."""
    _listener_lost = Signal(str)
    """From the listener's thread: its connection dropped (it is reconnecting)."""
    _listener_regained = Signal()
    """From the listener's thread: it listens again after a drop."""

    def __init__(self, ctx: UiContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._last_id: int | None = None
        self._in_flight = False
        self._lost = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.database_lost.connect(self._stop_the_desk)
        self._notified.connect(self.poll)
        self._listener_lost.connect(self._poll_every_second)
        self._listener_regained.connect(self._on_listening_again)
        self.listener: ChangeListener | None = None

    def start(self) -> None:
        self.timer.start()
        self.poll()
        engine = self._ctx.factory.kw["bind"]
        if ChangeListener.available(engine):
            listener = ChangeListener(
                engine,
                origin_of(self._ctx.factory),
                self._notified.emit,
                self._listener_lost.emit,
                self._listener_regained.emit,
            )
            self.listener = listener
            self.destroyed.connect(lambda *_: listener.stop())
            # Started on the job pool: the first connection must not hold up the window.
            self._ctx.jobs.run(
                "changes.listen", listener.start, self._on_listening, self._on_listen_failed
            )

    def stop(self) -> None:
        self.timer.stop()
        if self.listener is not None:
            self.listener.stop()

    def _on_listening(self, listening: bool) -> None:
        if listening and not self._lost:
            self.timer.setInterval(LISTENING_POLL_MS)

    def _on_listen_failed(self, _exc: Exception) -> None:
        self.timer.setInterval(POLL_MS)

    def _poll_every_second(self, _why: str) -> None:
        self.timer.setInterval(POLL_MS)

    def _on_listening_again(self) -> None:
        """Back on LISTEN: catch up on what happened during the gap, then rely on it again."""
        if not self._lost:
            self.timer.setInterval(LISTENING_POLL_MS)
            self.poll()

    def poll(self) -> None:
        if self._in_flight or self._lost:
            return
        self._in_flight = True
        f, last = self._ctx.factory, self._last_id

        def work() -> tuple[int, Changes]:
            if last is None:
                return change_feed.latest_id(f), Changes()
            return change_feed.since(f, last)

        self._ctx.jobs.run("changes.poll", work, self._on_polled, self._on_failed)

    def _on_polled(self, result: tuple[int, Changes]) -> None:
        self._in_flight = False
        self._last_id, changes = result
        if not changes.empty:
            self.changes_seen.emit(changes)

    def _on_failed(self, exc: Exception) -> None:
        self._in_flight = False
        if isinstance(exc, DatabaseFault) and not self._lost:
            self._lost = True
            self.stop()
            self.database_lost.emit(str(exc))
        # Anything else (a lock held a moment too long) is tried again on the next tick.

    def _stop_the_desk(self, reason: str) -> None:
        """Say so and close: every further action would be written into a file nobody sees."""
        window = self.parent()
        if not isinstance(window, QWidget):
            return
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "Front Counter stopped",
            reason[:1].upper() + reason[1:],
            QMessageBox.StandardButton.Close,
            window,
        )
        box.setObjectName("database_lost")
        box.finished.connect(window.close)
        box.open()
