"""The status bar's widgets: a message, the sync state, the list's count and a busy bar."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QStatusBar


@dataclass(frozen=True)
class StatusWidgets:
    message: QLabel
    sync: QLabel
    count: QLabel
    progress: QProgressBar


def build_status_bar(bar: QStatusBar) -> StatusWidgets:
    message = QLabel("")
    message.setObjectName("status_message")
    # Long messages are cut in the bar (the whole text is the tooltip), never widen the window.
    message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    count = QLabel("")
    progress = QProgressBar()
    progress.setObjectName("busy")
    progress.setMaximumWidth(120)
    progress.setRange(0, 0)
    progress.hide()
    bar.addWidget(message, 1)
    sync = QLabel("")
    sync.setObjectName("sync_status")
    sync.setMaximumWidth(420)
    bar.addPermanentWidget(sync)
    bar.addPermanentWidget(count)
    bar.addPermanentWidget(progress)
    return StatusWidgets(message, sync, count, progress)


def items_text(n: int) -> str:
    """ "1 item", "12 items", "1,000,000 items": what the status bar and screen readers say."""
    return f"{n:,} item" if n == 1 else f"{n:,} items"
