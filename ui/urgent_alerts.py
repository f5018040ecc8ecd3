"""Keeps the urgent banner up to date and raises the alarm when a new urgent item arrives.

Which urgent items still wait is services/desk/risk_view.py's `untaken_urgent`; this
asks it again whenever a change could have moved the answer, shows the banner, and for
each item not seen before rings (sound, the taskbar, a tray message where one exists).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from services.desk import risk_view
from services.desk.risk_view import UrgentAlert
from services.workspace.changes import ChangeKind, Changes
from ui.context import UiContext
from ui.icons import channel_icon
from ui.inbox_controller import InboxController
from ui.panes.urgent_banner import UrgentBanner, summary

# Changes that can make an item urgent or take it: a flag, an assignment or a status,
# a reply, an escalation.
_RECHECK = (ChangeKind.RISK, ChangeKind.ITEMS, ChangeKind.REPLIES, ChangeKind.ESCALATIONS)


class UrgentAlerts(QObject):
    raised = Signal(str)
    """A new urgent item rang the alarm: the text shown."""

    def __init__(
        self,
        ctx: UiContext,
        banner: UrgentBanner,
        inbox: InboxController,
        show_inbox: Callable[[], None],
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self._ctx = ctx
        self._banner = banner
        self._inbox = inbox
        self._show_inbox = show_inbox
        self._window = window
        self._rung: set[int] = set()
        self._pending_open: int | None = None
        self._tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(channel_icon(ctx.registry.look("email")), self)
        self.alerts: list[UrgentAlert] = []
        banner.open_requested.connect(self.open)
        inbox.list_loaded.connect(lambda _n: self._open_pending())

    def check(self) -> None:
        f = self._ctx.factory
        self._ctx.jobs.run("urgent", lambda: risk_view.untaken_urgent(f), self._on_loaded)

    def apply_changes(self, changes: Changes) -> None:
        if changes.touches(*_RECHECK):
            self.check()

    def _on_loaded(self, alerts: list[UrgentAlert]) -> None:
        self.alerts = alerts
        self._banner.show_alerts(alerts)
        new = [a for a in alerts if a.item_id not in self._rung]
        # An item taken and flagged again later rings again.
        self._rung = {a.item_id for a in alerts}
        if new:
            self._ring(new)

    def _ring(self, new: list[UrgentAlert]) -> None:
        text = "URGENT: " + (summary(new[0]) if len(new) == 1 else f"{len(new)} new urgent items")
        if self._tray is not None:
            self._tray.show()
            self._tray.showMessage("Front Counter", text, QSystemTrayIcon.MessageIcon.Critical, 0)
        QApplication.beep()
        QApplication.alert(self._window)  # 0: the taskbar entry flashes until the window is used
        self.raised.emit(text)

    def open(self, item_id: int) -> None:
        """Select the item in the list; when the view or search hides it, go to the Inbox."""
        if self._inbox.select_item(item_id):
            self._pending_open = None
            return
        self._pending_open = item_id
        self._show_inbox()

    def _open_pending(self) -> None:
        if self._pending_open is not None and self._inbox.select_item(self._pending_open):
            self._pending_open = None
