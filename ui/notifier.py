"""Tells authors when their reply was returned or failed: a desktop notification where one exists."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from services.answers import review
from ui.bidi import isolate
from ui.context import UiContext
from ui.icons import channel_icon


class ReplyNotifier(QObject):
    notified = Signal(str)
    """A notification was shown: its text."""

    def __init__(self, ctx: UiContext, window: QWidget) -> None:
        super().__init__(window)
        self._ctx = ctx
        self._window = window
        self._seen: set[tuple[int, str]] | None = None
        self._tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(channel_icon(ctx.registry.look("email")), self)
            self._tray.show()

    def check(self) -> None:
        f, me = self._ctx.factory, self._ctx.actor.name

        def work() -> list[review.ReplyRow]:
            return [
                r
                for state in ("returned", "failed")
                for r in review.list_replies(f, state)
                if r.author == me
            ]

        self._ctx.jobs.run("notifier", work, self._on_loaded)

    def _on_loaded(self, rows: list[review.ReplyRow]) -> None:
        current = {(r.id, r.state) for r in rows}
        if self._seen is None:
            self._seen = current  # what was already there at start is not news
            return
        for r in rows:
            if (r.id, r.state) in self._seen:
                continue
            why = r.review_reason if r.state == "returned" else r.failure_reason
            # A failure reason may quote the platform: isolate it like any outside text.
            text = f"Your reply #{r.id} was {r.state}" + (f": {isolate(why)}" if why else "")
            if self._tray is not None:
                self._tray.showMessage("Front Counter", text)
            QApplication.alert(self._window)
            self.notified.emit(text)
        self._seen = current
