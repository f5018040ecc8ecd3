"""Saving an e-mail attachment the person asked for, and opening it only if they then choose to.

Nothing here decides: services.records.attachments checks the hash, records the opening in
the audit trail and hands the bytes over; this asks where to save them, writes the
file and offers to open it with the computer's own program for that type.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from services.records import attachments
from ui.context import UiContext

AskPath = Callable[[QWidget | None, str], str]
"""Where to save (the suggested name in, the chosen path out; "" to cancel)."""
AskOpen = Callable[[QWidget | None, str], bool]
"""Whether to open the saved file now."""


def _ask_path(parent: QWidget | None, name: str) -> str:
    path, _filter = QFileDialog.getSaveFileName(parent, "Save attachment", str(Path.home() / name))
    return path


def _ask_open(parent: QWidget | None, path: str) -> bool:
    answer = QMessageBox.question(
        parent,
        "Attachment saved",
        f"Saved to {path}.\n\nOpen it now with this computer's program for it? "
        "Attachments from the public can be distressing or unsafe; open only what you need.",
        QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Close,
        QMessageBox.StandardButton.Close,
    )
    return answer == QMessageBox.StandardButton.Open


class AttachmentSaver(QObject):
    message = Signal(str)
    """A line for the status bar: saved where, or why not."""

    def __init__(
        self,
        ctx: UiContext,
        parent_widget: QWidget | None = None,
        ask_path: AskPath = _ask_path,
        ask_open: AskOpen = _ask_open,
        open_url: Callable[[QUrl], object] = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent_widget)
        self._ctx = ctx
        self._widget = parent_widget
        self._ask_path, self._ask_open, self._open_url = ask_path, ask_open, open_url

    def save(self, item_id: int, position: int, name: str) -> None:
        chosen = self._ask_path(self._widget, name)
        if not chosen:
            return
        path = Path(chosen)
        f, actor = self._ctx.factory, self._ctx.actor

        def work() -> int:
            _view, data = attachments.open_bytes(f, actor, item_id, position)
            path.write_bytes(data)
            return len(data)

        def done(size: int) -> None:
            self.message.emit(f"Saved {name} ({size:,} bytes) to {path}")
            if self._ask_open(self._widget, str(path)):
                self._open_url(QUrl.fromLocalFile(str(path)))

        def failed(exc: Exception) -> None:
            self.message.emit(f"{name} was not saved: {exc}")

        self._ctx.jobs.run(f"attachment-{item_id}-{position}", work, done, failed)
