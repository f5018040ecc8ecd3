"""The status bar's sync text: which channel is syncing, what failed, whether the worker runs."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QProgressBar

from ui.context import UiContext
from ui.sync_monitor import SyncMonitor
from ui.theme import Theme, Tone


class SyncStatus(QObject):
    message = Signal(str)
    """Something to tell the user in the status bar."""
    changes_applied = Signal(object)
    """A sync request was recorded (Changes)."""
    channel_finished = Signal()
    """A channel's run ended: its count and state in the sidebar may have moved."""

    def __init__(
        self,
        ctx: UiContext,
        monitor: SyncMonitor | None,
        label: QLabel,
        progress: QProgressBar,
        theme: Callable[[], Theme],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._monitor = monitor
        self._label = label
        self._progress = progress
        self._theme = theme
        if monitor is not None:
            monitor.channel_started.connect(self._on_started)
            monitor.channel_finished.connect(self._on_finished)
            monitor.reply_processed.connect(self._on_reply_processed)
            monitor.said.connect(self.message.emit)
            monitor.worker_died.connect(self._on_worker_died)
            monitor.worker_started.connect(lambda: self._say(""))

    def _say(self, text: str, problem: bool = False) -> None:
        self._label.setText(text)
        colour = self._theme().chip(Tone.DANGER).text if problem else ""
        self._label.setStyleSheet(f"color: {colour}" if colour else "")

    def sync_now(self) -> None:
        # On first use: the sync module brings every connector's needs, none of which the
        # desktop's start-up has to wait for.
        from services.channels import sync as sync_service

        f = self._ctx.factory
        down = self._monitor is not None and not self._monitor.is_running()
        if self._monitor is not None:
            self._monitor.start()
        self._ctx.jobs.run(
            "sync.now", lambda: sync_service.request_sync_now(f), self.changes_applied.emit
        )
        if down:
            # Never claim polling while our worker is not running: say it is being restarted.
            self.message.emit(
                "The sync worker was not running: restarting it; channels are polled once it runs"
            )
            return
        self.message.emit(
            "Sync requested: every channel is polled now"
            + ("" if self._monitor is not None else " by the team's sync worker")
        )

    def _on_worker_died(self, _reason: str) -> None:
        self._progress.hide()
        self._say("Sync worker not running", problem=True)

    def _on_started(self, channel: str) -> None:
        self._say(f"Syncing {channel}…")
        self._progress.show()

    def _on_finished(self, channel: str, state: str, reason: str) -> None:
        running = self._monitor.running_channels if self._monitor is not None else set()
        if not running:
            self._progress.hide()
        if state == "ok":
            self._say(f"{channel} synced" if not running else f"Syncing {next(iter(running))}…")
        else:
            self._say(f"{channel}: {reason}", problem=True)
        self.channel_finished.emit()

    def _on_reply_processed(self, reply_id: int, state: str, reason: str) -> None:
        self.message.emit(f"Reply #{reply_id} {state}" + (f": {reason}" if reason else ""))
