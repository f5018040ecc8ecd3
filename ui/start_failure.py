"""The window that says why the desktop could not start, for a start with no terminal to read.

Started from the applications menu, the console's stderr goes nowhere a person sees; this
is the one window shown then (console/gui.py decides when). Qt loads only on this path,
and none of the main window's modules do.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from ui.icons import APP_ICON

TITLE = "Front Counter could not start"


def show(message: str) -> None:
    """Show `message` until the person closes it."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setWindowIcon(QIcon(str(APP_ICON)))
    reason = message[:1].upper() + message[1:]
    box = QMessageBox(QMessageBox.Icon.Critical, TITLE, f"{TITLE}.\n\n{reason}")
    box.setObjectName("start_failure")
    box.setTextFormat(Qt.TextFormat.PlainText)  # a path or a server's words, never markup
    box.exec()
