"""The keyboard cheat-sheet, generated from the action registry."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget


class CheatSheet(QDialog):
    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cheat_sheet")
        self.setWindowTitle("Keyboard shortcuts")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        html_rows = ["<table cellspacing='0' cellpadding='4'>"]
        last_menu = None
        for menu, keys, label in rows:
            if menu != last_menu:
                html_rows.append(f"<tr><td colspan='2'><b>{escape(menu)}</b></td></tr>")
                last_menu = menu
            html_rows.append(
                f"<tr><td style='font-family:monospace; background:#eee'>{escape(keys)}</td>"
                f"<td>{escape(label)}</td></tr>"
            )
        html_rows.append("</table><p style='color:#666'>Esc closes this window.</p>")
        table = QLabel("".join(html_rows))
        table.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
