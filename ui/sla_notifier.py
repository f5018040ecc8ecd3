"""Shows this person's new SLA warnings and breaches (services/desk/sla_notices.py), and the
on-call pages addressed to them (services/desk/out_of_hours.py), as desktop notifications: what
was already there when the desktop started is not news."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from services.desk import sla_notices
from ui.context import UiContext
from ui.icons import channel_icon

if TYPE_CHECKING:  # loaded by the first check, after the first rows: not at every start
    from services.desk import out_of_hours


@dataclass(frozen=True)
class _Loaded:
    notices: list[sla_notices.Notice]
    pages: list[out_of_hours.PageNotice]


class SlaNotifier(QObject):
    notified = Signal(str)
    """A notification was shown: its text."""

    def __init__(self, ctx: UiContext, window: QWidget) -> None:
        super().__init__(window)
        self._ctx = ctx
        self._window = window
        self._last: int | None = None
        self._last_page: int | None = None
        self._tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(channel_icon(ctx.registry.look("email")), self)

    def check(self) -> None:
        f, me = self._ctx.factory, self._ctx.actor.id
        after, after_page = self._last or 0, self._last_page or 0

        def load() -> _Loaded:
            from services.desk import out_of_hours  # with the worker's events: 10 ms

            return _Loaded(
                sla_notices.notices_for(f, me, after), out_of_hours.pages_for(f, me, after_page)
            )

        self._ctx.jobs.run("sla-notices", load, self._loaded)

    def _loaded(self, loaded: _Loaded) -> None:
        if self._last is None or self._last_page is None:
            self._last = max((n.id for n in loaded.notices), default=0)
            self._last_page = max((p.id for p in loaded.pages), default=0)
            return
        icon = QSystemTrayIcon.MessageIcon
        for n in reversed(loaded.notices):  # oldest first
            critical = n.kind == sla_notices.BREACH
            self._show(n.text, icon.Critical if critical else icon.Warning)
            if critical:
                QApplication.alert(self._window)
        for p in reversed(loaded.pages):
            # A page is the alarm for someone off the desk: it stays until dismissed, and rings.
            self._show(p.text, icon.Critical, stays=True)
            QApplication.beep()
            QApplication.alert(self._window)
        self._last = max([self._last, *(n.id for n in loaded.notices)])
        self._last_page = max([self._last_page, *(p.id for p in loaded.pages)])

    def _show(self, text: str, icon: QSystemTrayIcon.MessageIcon, stays: bool = False) -> None:
        if self._tray is not None:
            self._tray.show()
            if stays:
                self._tray.showMessage("Front Counter", text, icon, 0)
            else:
                self._tray.showMessage("Front Counter", text, icon)
        self.notified.emit(text)
