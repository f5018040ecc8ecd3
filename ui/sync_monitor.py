"""Runs the sync worker as a child process (single-user mode) and turns its JSON lines into signals."""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import QObject, QProcess, Signal


class SyncMonitor(QObject):
    channel_started = Signal(str)
    """The worker began syncing a channel (its name)."""
    channel_finished = Signal(str, str, str)
    """A channel's run ended: (name, state, reason)."""
    reply_processed = Signal(int, str, str)
    """The outbox handled a reply: (reply id, state, reason)."""
    worker_stopped = Signal(int)
    """The worker process ended (its exit code)."""

    def __init__(self, command: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._command = list(command)
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        self.process.readyReadStandardOutput.connect(self._on_output)
        self.process.finished.connect(lambda code, _status: self.worker_stopped.emit(int(code)))
        self._buffer = b""
        self.running_channels: set[str] = set()

    def start(self) -> None:
        if self.process.state() == QProcess.ProcessState.NotRunning:
            self.process.start(self._command[0], self._command[1:])

    def stop(self, timeout_ms: int = 5000) -> None:
        if self.process.state() != QProcess.ProcessState.NotRunning:
            self.process.terminate()  # SIGTERM: the worker finishes its current step
            if not self.process.waitForFinished(timeout_ms):
                self.process.kill()
                self.process.waitForFinished(1000)

    def _on_output(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self.feed_line(line.decode("utf-8", "replace"))

    def feed_line(self, line: str) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        kind = event.get("event")
        if kind == "sync_started":
            self.running_channels.add(str(event.get("channel")))
            self.channel_started.emit(str(event.get("channel")))
        elif kind == "sync_finished":
            self.running_channels.discard(str(event.get("channel")))
            self.channel_finished.emit(
                str(event.get("channel")), str(event.get("state")), str(event.get("reason") or "")
            )
        elif kind == "reply":
            self.reply_processed.emit(
                int(event.get("reply_id", 0)),
                str(event.get("state")),
                str(event.get("reason") or ""),
            )
