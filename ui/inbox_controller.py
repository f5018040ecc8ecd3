"""Drives the item list: runs searches off the GUI thread, keeps selection and scroll on refresh."""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QObject, Signal
from PySide6.QtWidgets import QAbstractItemView, QTableView

from services.errors import QuerySyntaxError
from services.inbox import item_rows, read_marks, search_plan
from services.inbox import listing as inbox
from services.inbox.item_rows import ItemRow
from services.inbox.search_plan import Plan
from services.workspace.changes import ChangeKind, Changes
from ui.context import UiContext
from ui.models.inbox_model import InboxModel

FIRST_PAGE = 100
INCREMENTAL_LIMIT = 500


class InboxController(QObject):
    current_item_changed = Signal(object)
    """The focused item changed: its id, or None."""
    list_loaded = Signal(int)
    """A search finished: the number of matching items."""
    query_failed = Signal(str)
    """The search text could not be parsed: the message to show."""
    busy = Signal(str)
    """Long work started (a message) or ended (empty string)."""
    search_applied = Signal(str)
    """The search narrowing the view changed: its text, empty when the whole view shows."""
    first_page_shown = Signal()
    """A new list's first page is on screen, or its search failed: the first answer."""

    def __init__(self, ctx: UiContext, view: QTableView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._view = view
        self.model = InboxModel(
            lambda ids: item_rows.rows(ctx.factory, ids, viewer=ctx.actor.id),
            lambda ids: read_marks.unread_among(ctx.factory, ctx.actor.id, ids),
            self,
            looks=ctx.registry.look,
        )
        view.setModel(self.model)
        self._query_text = "is:inbox"
        self._search_text = ""
        self._plan: Plan | None = None
        self._last_current: int | None = None
        self._holding_current = False
        selection = view.selectionModel()
        selection.currentRowChanged.connect(self._on_current_row_changed)

    @property
    def view(self) -> QTableView:
        return self._view

    @property
    def query_text(self) -> str:
        return " ".join(p for p in (self._query_text, self._search_text) if p)

    @property
    def search_text(self) -> str:
        """The search applied on top of the view (not what is being typed in the box)."""
        return self._search_text

    def _query(self) -> Plan:
        """The list's search, parsed once for every read of it (raises QuerySyntaxError)."""
        text = self.query_text
        if self._plan is None or self._plan.query.text != text:
            self._plan = search_plan.plan(inbox.Query(text, self._ctx.actor.id, self._ctx.tz))
        return self._plan

    # ---- searching -------------------------------------------------------------
    def set_view(self, query: str) -> None:
        self._query_text = query
        self._last_current = None  # a new list reloads its first item, even if it was shown before
        self.load(first_paint=True)

    def set_search(self, text: str) -> bool:
        try:
            inbox.validate(text)
        except QuerySyntaxError as exc:
            self.query_failed.emit(str(exc))
            return False
        self._search_text = text.strip()
        self._last_current = None
        self.load(first_paint=True)
        self.search_applied.emit(self._search_text)
        return True

    def load(self, first_paint: bool = False) -> None:
        try:
            query, factory = self._query(), self._ctx.factory
        except QuerySyntaxError as exc:  # a view's own text (a saved search) can be wrong too
            self._on_failed(exc)
            return
        self.busy.emit("Searching…")
        if first_paint:
            self._ctx.jobs.run(
                "inbox.list",
                lambda: inbox.first_page(factory, query, FIRST_PAGE),
                self._on_first_page,
                self._on_failed,
            )
        else:
            self._ctx.jobs.run_cancellable(
                "inbox.list",
                lambda cancelled: inbox.item_ids(factory, query, cancelled),
                self._on_ids,
                self._on_failed,
            )

    def _on_failed(self, exc: Exception) -> None:
        self.busy.emit("")
        self.query_failed.emit(str(exc))
        self.first_page_shown.emit()

    def _on_first_page(self, rows: list[ItemRow]) -> None:
        self.model.set_ids(array("q", (r.id for r in rows)), rows)
        if rows:
            # Highlighted in the first paint, but the pane hears of it once the rows are on
            # screen: its conversation loading beside that paint held the rows back 40 ms.
            self._holding_current = True
            try:
                self._select_row(0)
            finally:
                self._holding_current = False
            self._ctx.jobs.after_paint(self._view.viewport(), self._release_current)
        else:
            self.current_item_changed.emit(None)
        self._ctx.jobs.after_paint(
            self._view.viewport(), lambda: self._after_first_paint(len(rows)), key="inbox.list"
        )

    def _release_current(self) -> None:
        """The item selected with a first page, told now (unless the person has moved on)."""
        self._emit_current(self._view.currentIndex().row())

    def _after_first_paint(self, shown: int) -> None:
        self.first_page_shown.emit()
        if shown < FIRST_PAGE:
            self.busy.emit("")
            self.list_loaded.emit(shown)
            return
        query, factory = self._query(), self._ctx.factory
        self._ctx.jobs.run_cancellable(
            "inbox.list",
            lambda cancelled: inbox.item_ids(factory, query, cancelled),
            self._on_ids,
            self._on_failed,
        )

    def _on_ids(self, ids: array[int]) -> None:
        self.busy.emit("")
        if not self.model.extend_ids(ids):
            self._replace_keeping_place(ids)
        if self.current_id() is None and len(ids):
            self._select_row(0)  # the list was empty: start at the newest item
        self.list_loaded.emit(len(ids))

    def _replace_keeping_place(self, ids: array[int]) -> None:
        selected = self.selected_ids()
        current = self.current_id()
        top_row = self._view.rowAt(0)
        top_id = self.model.item_id(top_row) if top_row >= 0 else None
        offset = self._view.verticalScrollBar().value() - (top_row if top_row >= 0 else 0)
        current_row = self._view.currentIndex().row()
        self.model.set_ids(ids)
        if top_id is not None and (row := self.model.row_of(top_id)) >= 0:
            self._view.verticalScrollBar().setValue(row + max(0, offset))
        rows = [r for r in (self.model.row_of(i) for i in selected) if r >= 0]
        new_current = self.model.row_of(current) if current is not None else -1
        if new_current < 0 and current_row >= 0 and len(ids):
            new_current = min(
                current_row, len(ids) - 1
            )  # the item left this view: take the next one
        if new_current >= 0:
            self._select_row(new_current, extra_rows=rows)
        else:
            self.current_item_changed.emit(None)

    def apply_changes(self, changes: Changes) -> None:
        """Someone changed items: refresh visible rows now, then update the list off-thread.

        A few known items are re-checked against the query and removed in place (a million-item
        list is not recomputed for one "done"); anything else recomputes the list.
        """
        if changes.item_ids:
            self.model.refresh_items(changes.item_ids)
        if not changes.touches(
            ChangeKind.ITEMS, ChangeKind.ESCALATIONS, ChangeKind.REPLIES, ChangeKind.TAGS
        ):
            return
        touched = sorted(changes.item_ids)
        if not touched or len(touched) > INCREMENTAL_LIMIT:
            self.load(first_paint=False)
            return
        query, factory = self._query(), self._ctx.factory
        self._ctx.jobs.run(
            "inbox.list",
            lambda: inbox.matching(factory, query, touched),
            lambda still: self._on_membership(touched, still),
            self._on_failed,
        )

    def _on_membership(self, touched: list[int], still: set[int]) -> None:
        shown = {i for i in touched if self.model.row_of(i) >= 0}
        if still - shown:
            self.load(
                first_paint=False
            )  # something joined the view: its place needs the full order
            return
        left = shown - still
        if left:
            current_row, current_id = self._view.currentIndex().row(), self.current_id()
            above = sum(1 for i in left if 0 <= self.model.row_of(i) < current_row)
            # Qt would move the cursor up while rows go; that item must not count as opened.
            selection = self._view.selectionModel()
            selection.blockSignals(True)
            try:
                self.model.remove_ids(left)
            finally:
                selection.blockSignals(False)
            if current_id in left and self.model.rowCount():
                # Like a mail client after archiving: the item below takes the cursor.
                self._select_row(min(current_row - above, self.model.rowCount() - 1))
            self.list_loaded.emit(self.model.rowCount())

    # ---- selection -------------------------------------------------------------
    def _select_row(self, row: int, extra_rows: Sequence[int] = ()) -> None:
        selection_model = self._view.selectionModel()
        index = self.model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        selection_model.setCurrentIndex(index, flags)
        if extra_rows:
            sel = QItemSelection()
            for r in extra_rows:
                sel.select(
                    self.model.index(r, 0), self.model.index(r, self.model.columnCount() - 1)
                )
            selection_model.select(
                sel,
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        # setCurrentIndex does not signal when the row is unchanged but the item behind it is new.
        self._emit_current(row)

    def select_item(self, item_id: int) -> bool:
        row = self.model.row_of(item_id)
        if row >= 0:
            self._select_row(row)
        return row >= 0

    def move(self, delta: int) -> None:
        if not self.model.rowCount():
            return
        row = self._view.currentIndex().row()
        target = 0 if row < 0 else max(0, min(self.model.rowCount() - 1, row + delta))
        self._select_row(target)

    def current_id(self) -> int | None:
        index = self._view.currentIndex()
        return self.model.item_id(index.row()) if index.isValid() else None

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self._view.selectionModel().selectedRows()})
        ids = [i for i in (self.model.item_id(r) for r in rows) if i is not None]
        current = self.current_id()
        return ids or ([current] if current is not None else [])

    def selected_versions(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for item_id in self.selected_ids():
            row = self.model.row_of(item_id)
            data = self.model.row_at(row) if row >= 0 else None
            if data is not None:
                out[item_id] = data.version
        return out

    def selected_rows(self) -> list[ItemRow]:
        rows = [self.model.row_at(self.model.row_of(i)) for i in self.selected_ids()]
        return [r for r in rows if r is not None]

    def _on_current_row_changed(self, current: object, _previous: object) -> None:
        self._emit_current(self._view.currentIndex().row())

    def _emit_current(self, row: int) -> None:
        if self._holding_current:
            return
        item_id = self.model.item_id(row)
        if item_id != self._last_current:
            self._last_current = item_id
            self.current_item_changed.emit(item_id)
