"""The dialogs the main window opens: welcome, channels, reports, settings, about, cheat sheet.

Each opens beside the window (parented to it, so it closes with it) and reports back by a
signal; the window only retitles itself, reloads or takes the keyboard back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ui.actions import ActionRegistry
from ui.context import UiContext
from ui.dialogs.cheat_sheet import CheatSheet

# Each dialog's module is imported when it first opens: the reports dialog alone brings
# QtCharts, and none of them is needed to show the Inbox at start-up.
if TYPE_CHECKING:
    from ui.dialogs.channels_dialog import ChannelsDialog
    from ui.dialogs.reports_dialog import ReportsDialog
    from ui.dialogs.settings_dialog import SettingsDialog
    from ui.dialogs.welcome_dialog import WelcomeDialog


class WindowDialogs(QObject):
    profile_saved = Signal(object)
    """The welcome dialog saved who is at the keyboard: the new Actor."""
    demo_loaded = Signal()
    """The welcome dialog loaded the demo items: everything reloads."""
    closed = Signal()
    """A dialog that held the keyboard closed: focus goes back to the list."""

    def __init__(self, ctx: UiContext, actions: ActionRegistry, window: QWidget) -> None:
        super().__init__(window)
        self._ctx = ctx
        self._actions = actions
        self._window = window

    def welcome(self, offer_demo: bool) -> WelcomeDialog:
        from ui.dialogs.welcome_dialog import WelcomeDialog

        dialog = WelcomeDialog(self._ctx, offer_demo, self._window)
        dialog.done_.connect(self.profile_saved.emit)
        dialog.demo_loaded.connect(self.demo_loaded.emit)
        dialog.show()
        return dialog

    def show_channels(self) -> ChannelsDialog:
        from ui.dialogs.channels_dialog import ChannelsDialog

        dialog = ChannelsDialog(self._ctx, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_reports(self) -> ReportsDialog:
        from ui.dialogs.reports_dialog import ReportsDialog

        dialog = ReportsDialog(self._ctx, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_settings(self) -> SettingsDialog:
        from ui.dialogs.settings_dialog import show_settings

        return show_settings(self._window, self._ctx.central)

    def show_about(self) -> QMessageBox:
        from ui.dialogs.about_dialog import show_about

        return show_about(self._window, self._ctx.factory)

    def show_cheat_sheet(self) -> None:
        sheet = CheatSheet(self._actions.cheat_sheet(), self._window)
        sheet.finished.connect(lambda _result: self.closed.emit())
        sheet.open()
