"""The search box above the item list, its inline error, and the chip naming the applied search."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

PLACEHOLDER = (
    'Search:  words  "a phrase"  tag:  from:  channel:  is:escalated  after:2026-11-01   (press /)'
)


class SearchBar(QWidget):
    submitted = Signal(str)
    """Return was pressed in the box: the text to search for."""
    cleared = Signal()
    """The box was emptied (clear button, deleting the text, Esc) or the chip's ✕ was clicked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setObjectName("search")
        self.edit.setPlaceholderText(PLACEHOLDER)
        self.edit.setClearButtonEnabled(True)
        self.error = QLabel("")
        self.error.setObjectName("search_error")
        # A long parse error wraps under the box instead of widening the list's pane.
        self.error.setWordWrap(True)
        self.error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.error.hide()
        self.edit.setAccessibleName("Search items")
        self.error.setAccessibleName("Search problem")
        self.chip = QFrame()
        self.chip.setObjectName("search_filter")
        self.chip.setStyleSheet(
            "#search_filter { background: #fdefc3; border: 1px solid #d9b54a; border-radius: 8px }"
            " #search_filter QLabel, #search_filter QToolButton { color: #4a3400 }"
        )
        self.chip_label = QLabel("")
        self.chip_label.setObjectName("search_filter_text")
        self.chip_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.chip_clear = QToolButton()
        self.chip_clear.setObjectName("clear_filter")
        self.chip_clear.setText("✕")
        self.chip_clear.setAutoRaise(True)
        self.chip_clear.setAccessibleName("Clear the search")
        self.chip_clear.setToolTip(
            "Clear the search and show the whole view (Esc in the search box)"
        )
        chip_layout = QHBoxLayout(self.chip)
        chip_layout.setContentsMargins(6, 0, 0, 0)
        chip_layout.addWidget(self.chip_label, 1)
        chip_layout.addWidget(self.chip_clear)
        self.chip.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        layout.addWidget(self.chip)
        self.edit.returnPressed.connect(lambda: self.submitted.emit(self.edit.text()))
        self.edit.textChanged.connect(self._on_text_changed)
        self.chip_clear.clicked.connect(self.clear)

    def run(self, text: str) -> None:
        """Type `text` and press Return, as a person would (the screenshot command, tests)."""
        self.edit.setText(text)
        self.submitted.emit(text)

    def clear(self) -> None:
        """Empty the box and drop the applied search, even when the box was already empty."""
        if self.edit.text():
            self.edit.clear()  # textChanged emits `cleared`
        else:
            self.cleared.emit()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def show_filter(self, search: str) -> None:
        """Name the search the list is filtered by; an empty one hides the chip."""
        self.chip_label.setText(f"Filtered:  {search}")
        self.chip.setVisible(bool(search))

    def _on_text_changed(self, text: str) -> None:
        self.error.hide()
        if not text.strip():
            self.cleared.emit()
