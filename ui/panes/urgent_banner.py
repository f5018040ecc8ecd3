"""A red banner across the window while an urgent item waits for someone to take it.

It shows what services/desk/risk_view.py's `untaken_urgent` returns and nothing
else: whether an item is taken is decided there.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from services.desk.risk_view import UrgentAlert
from ui.bidi import isolate

MAX_REASONS = 2


def reasons_text(alert: UrgentAlert) -> str:
    """The first categories the rules found, in words ("suicide, weapons")."""
    seen = dict.fromkeys(r.category.replace("-", " ").replace("_", " ") for r in alert.reasons)
    names = list(seen)
    text = ", ".join(names[:MAX_REASONS])
    return text + (" …" if len(names) > MAX_REASONS else "") if text else "urgent"


def summary(alert: UrgentAlert) -> str:
    """'<channel> · <author> · <reasons>' as plain text (the tray's message)."""
    return f"{alert.channel_name} · {isolate(alert.author)} · {reasons_text(alert)}"


class UrgentBanner(QFrame):
    """Hidden while no urgent item waits; one banner for any number of them."""

    open_requested = Signal(int)
    """The person asked to open this urgent item: its id."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("urgent_banner")
        self.setAccessibleName("Urgent item waiting")
        self.setStyleSheet(
            "#urgent_banner { background: #b3261e; border-bottom: 2px solid #5c1a14; }"
            " #urgent_banner QLabel { color: #ffffff; }"
            " #urgent_banner QPushButton { background: #ffffff; color: #8c1d18;"
            " font-weight: bold; padding: 4px 12px; border: 1px solid #5c1a14;"
            " border-radius: 3px; }"
        )
        self.label = QLabel("")
        self.label.setObjectName("urgent_banner_text")
        self.label.setWordWrap(True)
        self.open_button = QPushButton("Open it")
        self.open_button.setObjectName("open_urgent")
        self.open_button.setToolTip("Open the item; the banner stays until someone takes it")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.open_button)
        self._oldest: int | None = None
        self.open_button.clicked.connect(self._on_open)
        self.hide()

    @property
    def oldest(self) -> int | None:
        """The item "Open" goes to, or None while the banner is hidden."""
        return self._oldest

    def show_alerts(self, alerts: Sequence[UrgentAlert]) -> None:
        if not alerts:
            self._oldest = None
            self.hide()
            return
        first = alerts[0]
        self._oldest = first.item_id
        what = (
            f"{escape(first.channel_name)} · {escape(isolate(first.author))} · "
            f"{escape(reasons_text(first))}"
        )
        tail = " — assign it, reply or escalate to take it"
        if len(alerts) == 1:
            self.label.setText(f"<b>URGENT:</b> {what}{tail}")
            self.open_button.setText("Open it")
        else:
            self.label.setText(
                f"<b>URGENT: {len(alerts)} items nobody has taken yet.</b> Oldest: {what}"
            )
            self.open_button.setText("Open the oldest")
        self.label.setToolTip("\n".join(summary(a) for a in alerts[:20]))
        self.show()

    def _on_open(self) -> None:
        if self._oldest is not None:
            self.open_requested.emit(self._oldest)
