"""Saved searches in the sidebar: kept in the database per person (the CLI's `search` twin)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from services.inbox import saved_searches
from services.inbox.saved_searches import SavedSearchView
from services.workspace.changes import ChangeKind, Changes
from ui.context import UiContext
from ui.dialogs.triage_dialogs import NameDialog
from ui.panes.sidebar import Sidebar


class SavedSearchController(QObject):
    message = Signal(str)
    """Something to tell the user in the status bar."""
    dialog_closed = Signal()
    """The name dialog closed: focus goes back to the list."""

    def __init__(self, ctx: UiContext, sidebar: Sidebar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._sidebar = sidebar

    def load(self) -> None:
        f, uid = self._ctx.factory, self._ctx.actor.id
        self._ctx.jobs.run(
            "saved_searches", lambda: saved_searches.list_searches(f, uid), self._show
        )

    def _show(self, searches: list[SavedSearchView]) -> None:
        self._sidebar.set_saved_searches([(s.name, s.query) for s in searches])

    def ask_name(self, query: str, suggestion: str, parent: QWidget) -> None:
        """Ask for a name, then save `query` under it."""
        dialog = NameDialog("Save this search as…", suggestion or query, parent)
        dialog.submitted.connect(lambda name: self.save(name, query))
        dialog.finished.connect(lambda _r: self.dialog_closed.emit())
        dialog.open()

    def save(self, name: str, query: str) -> None:
        f, actor = self._ctx.factory, self._ctx.actor

        def done(saved: SavedSearchView) -> None:
            self.message.emit(f"Saved search “{saved.name}”")
            self.load()

        self._ctx.jobs.run(
            "saved_searches.save",
            lambda: saved_searches.save(f, actor, name, query),
            done,
            lambda exc: self.message.emit(f"Could not save the search: {exc}"),
        )

    def apply_changes(self, changes: Changes) -> None:
        if changes.touches(ChangeKind.SAVED_SEARCHES):
            self.load()
