"""Polls the database's change feed so edits from other desktops and the worker show up live."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from services import change_feed
from services.changes import Changes
from ui.context import UiContext

POLL_MS = 1000


class ChangePoller(QObject):
    changes_seen = Signal(object)
    """Changes made elsewhere since the last poll."""

    def __init__(self, ctx: UiContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._last_id: int | None = None
        self._in_flight = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

    def start(self) -> None:
        self.timer.start()
        self.poll()

    def poll(self) -> None:
        if self._in_flight:
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

    def _on_failed(self, _exc: Exception) -> None:
        self._in_flight = False
