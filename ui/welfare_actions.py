"""Flag items as distressing by hand, or lift the flag with a reason (services/records/welfare.py).

The Item menu and the list's context menu carry both actions (no shortcut: a flag
veils an item for the whole team, so it is never one stray key away). The command
line twin is `item distressing ITEM --on|--off --reason`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QMenu, QWidget

from services.errors import KnownError
from services.records import welfare
from services.workspace.changes import Changes
from ui.context import UiContext
from ui.dialogs.triage_dialogs import NameDialog
from ui.inbox_controller import InboxController


class DistressingActions(QObject):
    changes_applied = Signal(object)
    """The flag changed: the Changes (the veil reloads from them)."""
    message = Signal(str)
    """Feedback for the status bar."""

    def __init__(self, ctx: UiContext, inbox: InboxController, window: QWidget) -> None:
        super().__init__(window)
        self._ctx = ctx
        self._inbox = inbox
        self._window = window

    def flag(self) -> None:
        self._apply(self._inbox.selected_ids(), True, "")

    def unflag(self) -> None:
        ids = self._inbox.selected_ids()
        if not ids:
            return
        dialog = NameDialog(
            "Lift the distressing flag", "", self._window, empty_error="Give the reason."
        )
        dialog.edit.setObjectName("reason_input")
        dialog.edit.setPlaceholderText("e.g. flagged by mistake; the image is a map")
        dialog.submitted.connect(lambda reason: self._apply(ids, False, reason))
        dialog.open()

    def _apply(self, ids: list[int], on: bool, reason: str) -> None:
        if not ids:
            return
        f, actor = self._ctx.factory, self._ctx.actor

        def work() -> list[welfare.HandFlag]:
            return [welfare.set_distressing(f, actor, i, on, reason) for i in ids]

        self._ctx.jobs.run("welfare-flag", work, self._done, self._failed)

    def _done(self, results: list[welfare.HandFlag]) -> None:
        changes = Changes()
        for r in results:
            changes = changes | r.changes
        self.message.emit(_summary(results))
        self.changes_applied.emit(changes)

    def _failed(self, exc: Exception) -> None:
        self.message.emit(str(exc) if isinstance(exc, KnownError) else f"Failed: {exc}")


def _summary(results: list[welfare.HandFlag]) -> str:
    which = ", ".join(f"#{r.item_id}" for r in results[:5]) + (" …" if len(results) > 5 else "")
    if all(r.flagged_by_hand for r in results):
        return f"{which} flagged as distressing: veiled for each person until they reveal it"
    still = [r for r in results if r.risk_categories]
    if still:
        kinds = sorted({c for r in still for c in r.risk_categories})
        return f"{which}: hand flag lifted; still veiled by the risk rules ({', '.join(kinds)})"
    return f"{which}: distressing flag lifted"


def install_context_menu(view: QAbstractItemView, actions: list[QAction]) -> None:
    """The list's right-click menu: these actions on the row under the pointer (selected first)."""
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def show(at: QPoint) -> None:
        index = view.indexAt(at)
        if index.isValid() and not view.selectionModel().isSelected(index):
            view.setCurrentIndex(index)
        menu = QMenu(view)
        menu.addActions(actions)
        menu.exec(view.viewport().mapToGlobal(at))

    view.customContextMenuRequested.connect(show)
