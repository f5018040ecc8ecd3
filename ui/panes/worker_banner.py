"""A banner across the window while the desktop's own sync worker is not running, with Restart."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ui.sync_monitor import SyncMonitor


class WorkerBanner(QFrame):
    """Hidden while the worker runs (or when a team's worker runs elsewhere: no monitor)."""

    def __init__(self, monitor: SyncMonitor | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("worker_banner")
        self._monitor = monitor
        self.setStyleSheet(
            "#worker_banner { background: #fce8e6; border-bottom: 1px solid #b3261e; }"
            " #worker_banner QLabel { color: #5c1a14; }"
        )
        self.label = QLabel("")
        self.label.setObjectName("worker_banner_text")
        self.label.setWordWrap(True)
        self.restart_button = QPushButton("Restart the sync worker")
        self.restart_button.setObjectName("restart_worker")
        self.restart_button.setToolTip(
            "Start the worker again; it polls channels and sends replies"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.restart_button)
        self.hide()
        if monitor is not None:
            monitor.worker_died.connect(self.show_death)
            monitor.worker_started.connect(self.hide)
            self.restart_button.clicked.connect(self.restart)

    def show_death(self, reason: str) -> None:
        self.label.setText(
            f"<b>Channels are not being polled and replies are not sent:</b> {escape(reason)}"
        )
        self.label.setToolTip("\n".join(self._monitor.last_stderr()) if self._monitor else "")
        self.show()

    def restart(self) -> None:
        if self._monitor is not None:
            self.label.setText("Restarting the sync worker…")
            self._monitor.restart()
