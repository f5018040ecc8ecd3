"""Shows this person's new SLA warnings and breaches (services/desk/sla_notices.py) as desktop
notifications: what was already there when the desktop started is not news."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from services.desk import sla_notices
from ui.context import UiContext
from ui.icons import channel_icon


class SlaNotifier(QObject):
    notified = Signal(str)
    """A notification was shown: its text."""

    def __init__(self, ctx: UiContext, window: QWidget) -> None:
        super().__init__(window)
        self._ctx = ctx
        self._window = window
        self._last: int | None = None
        self._tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(channel_icon("email"), self)

    def check(self) -> None:
        f, me, after = self._ctx.factory, self._ctx.actor.id, self._last or 0
        self._ctx.jobs.run(
            "sla-notices", lambda: sla_notices.notices_for(f, me, after), self._loaded
        )

    def _loaded(self, notices: list[sla_notices.Notice]) -> None:
        if self._last is None:
            self._last = max((n.id for n in notices), default=0)
            return
        for n in reversed(notices):  # oldest first
            critical = n.kind == sla_notices.BREACH
            if self._tray is not None:
                icon = QSystemTrayIcon.MessageIcon
                self._tray.show()
                self._tray.showMessage(
                    "Front Counter", n.text, icon.Critical if critical else icon.Warning
                )
            if critical:
                QApplication.alert(self._window)
            self.notified.emit(n.text)
        self._last = max([self._last, *(n.id for n in notices)])
