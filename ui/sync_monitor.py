"""Runs the sync worker as a child process (single-user mode) and turns its JSON lines into signals.

It also watches the worker's life: a worker that cannot start or that ends
without being asked to is reported with the last lines it wrote on stderr,
because that is where Python puts the reason (a traceback, "no keyring").
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from PySide6.QtCore import QObject, QProcess, Signal

STDERR_LINES_KEPT = 12
LAST_WORDS_SHOWN = 3


class SyncMonitor(QObject):
    channel_started = Signal(str)
    """The worker began syncing a channel (its name)."""
    channel_finished = Signal(str, str, str)
    """A channel's run ended: (name, state, reason)."""
    reply_processed = Signal(int, str, str)
    """The outbox handled a reply: (reply id, state, reason)."""
    said = Signal(str)
    """Something the worker did that a person reads as it is: the event's own line."""
    worker_started = Signal()
    """The worker process is running (again)."""
    worker_died = Signal(str)
    """The worker could not start or ended unasked: why, with its last stderr lines."""

    def __init__(self, command: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._command = list(command)
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        self.process.readyReadStandardOutput.connect(self._on_output)
        self.process.readyReadStandardError.connect(self._on_stderr)
        self.process.started.connect(self.worker_started.emit)
        self.process.errorOccurred.connect(self._on_error)
        self.process.finished.connect(self._on_finished)
        self._buffer = b""
        self._err_buffer = b""
        self._stderr: deque[str] = deque(maxlen=STDERR_LINES_KEPT)
        self._stopping = False
        self.running_channels: set[str] = set()
        self.death: str | None = None
        """Why the worker is not running, while it is not (None when it runs or was stopped)."""

    def is_running(self) -> bool:
        return self.process.state() != QProcess.ProcessState.NotRunning

    def start(self) -> None:
        if self.process.state() == QProcess.ProcessState.NotRunning:
            self._stopping = False
            self.death = None
            self._stderr.clear()
            self._buffer = self._err_buffer = b""
            self.process.start(self._command[0], self._command[1:])

    def restart(self) -> None:
        """Start the worker again after it died (a no-op while it runs)."""
        self.start()

    def stop(self, timeout_ms: int = 5000) -> None:
        self._stopping = True
        if self.process.state() != QProcess.ProcessState.NotRunning:
            self.process.terminate()  # SIGTERM: the worker finishes its current step
            if not self.process.waitForFinished(timeout_ms):
                self.process.kill()
                self.process.waitForFinished(1000)

    def last_stderr(self) -> list[str]:
        return list(self._stderr)

    # ---- the worker's life ------------------------------------------------------------
    def _on_stderr(self) -> None:
        self._err_buffer += bytes(self.process.readAllStandardError().data())
        *lines, self._err_buffer = self._err_buffer.split(b"\n")
        self._err_buffer = self._err_buffer[-4096:]  # a runaway line must not grow without end
        for line in lines:
            text = line.decode("utf-8", "replace").rstrip()
            if text.strip():
                self._stderr.append(text)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and not self._stopping:
            self._died(f"the sync worker could not start: {self.process.errorString()}")

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._on_stderr()  # what it wrote just before the end
        if self._err_buffer.strip():
            self._stderr.append(self._err_buffer.decode("utf-8", "replace").rstrip())
            self._err_buffer = b""
        self.running_channels.clear()
        if self._stopping:
            return
        how = (
            "crashed"
            if status == QProcess.ExitStatus.CrashExit
            else f"stopped (exit code {int(code)})"
        )
        self._died(f"the sync worker {how}")

    def _died(self, what: str) -> None:
        # A traceback's last lines say what happened; its header and frame lines do not.
        last = [
            line.strip()
            for line in self._stderr
            if not line.startswith(("Traceback (most recent call last)", " "))
        ][-LAST_WORDS_SHOWN:]
        self.death = what + (": " + " / ".join(last) if last else "")
        self.worker_died.emit(self.death)

    # ---- progress lines ----------------------------------------------------------------
    def _on_output(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self.feed_line(line.decode("utf-8", "replace"))

    def feed_line(self, line: str) -> None:
        # Imported with the worker's first line: its eleven event classes cost the window's
        # start 6-8 ms, and the worker starts after the first rows.
        from services import worker_events as events

        event = events.from_json(line)  # the worker's own definitions: nothing parsed by hand
        if isinstance(event, events.SyncStarted):
            self.running_channels.add(event.channel)
            self.channel_started.emit(event.channel)
        elif isinstance(event, events.SyncFinished):
            self.running_channels.discard(event.channel)
            self.channel_finished.emit(event.channel, event.state, event.reason or "")
        elif isinstance(event, events.ReplyHandled):
            self.reply_processed.emit(event.reply_id, event.state, event.reason or "")
        elif isinstance(
            event, (events.OutOfHoursReplied, events.OutOfHoursNotSent, events.OnCallPaged)
        ):
            # Shown as their own line (worker_events' `text()`), in the status bar.
            words = event.text()
            if words:
                self.said.emit(words)
