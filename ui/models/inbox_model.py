"""The item list's Qt model: an id array over the database, rows loaded a page at a time.

The model holds every matching id (8 bytes each) but builds display rows
only for pages the view asks for, keeping the most recent pages in an LRU
cache. `rowCount()` and `flags()` never touch the database.
"""

from __future__ import annotations

import logging
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from services.channels.capabilities import ChannelLook
from services.inbox.item_rows import ItemRow
from services.store.models import utcnow
from ui.bidi import isolate
from ui.chips import Chip, item_chips
from ui.icons import channel_icon

log = logging.getLogger(__name__)

PAGE_SIZE = 256
MAX_PAGES = 64

COLUMNS = ("", "From", "Message", "Age", "Tags", "Assignee", "")
COL_CHANNEL, COL_AUTHOR, COL_SNIPPET, COL_AGE, COL_TAGS, COL_ASSIGNEE, COL_BADGE = range(7)

RowLoader = Callable[[Sequence[int]], list[ItemRow]]
UnreadLoader = Callable[[Sequence[int]], set[int]]
"""Which of these ids are unread for the person at the desk (services/inbox/read_marks.py)."""
AnyIndex = QModelIndex | QPersistentModelIndex


def short_age(when: datetime, now: datetime) -> str:
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    if seconds < 86400 * 60:
        return f"{seconds // 86400}d"
    return when.strftime("%d %b %Y")


class InboxModel(QAbstractTableModel):
    ItemIdRole = Qt.ItemDataRole.UserRole + 1
    RowRole = Qt.ItemDataRole.UserRole + 2
    UnreadRole = Qt.ItemDataRole.UserRole + 3
    ChipsRole = Qt.ItemDataRole.UserRole + 4

    def __init__(
        self,
        loader: RowLoader,
        unread: UnreadLoader | None = None,
        parent: Any = None,
        *,
        looks: Callable[[str], ChannelLook],
    ) -> None:
        super().__init__(parent)
        self._loader = loader
        self._looks = looks  # a channel kind's icon colour and letter (the registry's)
        self._unread_loader = unread or (lambda _ids: set())
        self._ids: array[int] = array("q")
        self._pages: OrderedDict[int, list[ItemRow | None]] = OrderedDict()
        self._unread: set[int] = set()  # of the ids in cached pages
        self._bold = QFont()
        self._bold.setBold(True)
        self._now = utcnow()

    def set_base_font(self, font: QFont) -> None:
        """The text size changed (Ctrl+plus/minus): unread rows stay bold at the new size."""
        self._bold = QFont(font)
        self._bold.setBold(True)
        if self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1)
            )

    # ---- the id list -------------------------------------------------
    @property
    def ids(self) -> array[int]:
        return self._ids

    def set_ids(self, ids: array[int], rows: Iterable[ItemRow] = ()) -> None:
        """Replace the list; `rows` pre-fills the cache (the first page, already loaded)."""
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self._now = utcnow()
        self._prefill(list(rows))
        self.endResetModel()

    def extend_ids(self, full: array[int]) -> bool:
        """Grow to `full` if the current ids are its prefix (selection survives); else False."""
        n = len(self._ids)
        if len(full) < n or full[:n] != self._ids:
            return False
        if len(full) > n:
            self.beginInsertRows(QModelIndex(), n, len(full) - 1)
            self._ids = full
            # The last cached page was cut at the old end of the list: give it room for the new rows.
            last = (n - 1) // PAGE_SIZE if n else None
            if last is not None and last in self._pages:
                page = self._pages[last]
                page.extend([None] * (self._page_len(last) - len(page)))
            self.endInsertRows()
        return True

    def _prefill(self, rows: list[ItemRow]) -> None:
        by_id = {r.id: r for r in rows}
        self._unread = self._unread_loader(list(by_id))
        for row_no, item_id in enumerate(self._ids[: len(rows)]):
            page_no = row_no // PAGE_SIZE
            page = self._pages.setdefault(page_no, [None] * self._page_len(page_no))
            page[row_no % PAGE_SIZE] = by_id.get(item_id)

    def row_of(self, item_id: int) -> int:
        try:
            return self._ids.index(item_id)
        except ValueError:
            return -1

    def item_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def remove_ids(self, item_ids: Iterable[int]) -> None:
        """Take items out of the list (they left this view); other rows keep their places."""
        rows = sorted((r for r in (self.row_of(i) for i in set(item_ids)) if r >= 0), reverse=True)
        for row in rows:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._ids[row]
            self._pages.clear()  # cached pages are keyed by position, which moved
            self.endRemoveRows()

    def refresh_items(self, item_ids: Iterable[int]) -> None:
        """Reload cached rows for changed items and repaint them."""
        wanted = set(item_ids)
        for page_no, page in list(self._pages.items()):
            hit_rows = [i for i, r in enumerate(page) if r is not None and r.id in wanted]
            if hit_rows:
                del self._pages[page_no]
                start = page_no * PAGE_SIZE
                self.dataChanged.emit(
                    self.index(start + min(hit_rows), 0),
                    self.index(start + max(hit_rows), len(COLUMNS) - 1),
                )

    # ---- rows ----------------------------------------------------------
    def _page_len(self, page_no: int) -> int:
        return min(PAGE_SIZE, len(self._ids) - page_no * PAGE_SIZE)

    def row_at(self, row: int) -> ItemRow | None:
        if not 0 <= row < len(self._ids):
            return None
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None or page[row % PAGE_SIZE] is None:
            page = self._load_page(page_no)
        else:
            self._pages.move_to_end(page_no)
        return page[row % PAGE_SIZE]

    def _load_page(self, page_no: int) -> list[ItemRow | None]:
        start = page_no * PAGE_SIZE
        ids = self._ids[start : start + self._page_len(page_no)]
        loaded = {r.id: r for r in self._loader(ids)}
        unread = self._unread_loader(list(loaded))
        self._unread.difference_update(loaded)
        self._unread.update(unread)
        page: list[ItemRow | None] = [loaded.get(i) for i in ids]
        self._pages[page_no] = page
        self._pages.move_to_end(page_no)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    # ---- Qt model interface ------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # An exception escaping into Qt's paint code takes the whole process down: log it, show nothing.
        try:
            return self._data(index, role)
        except Exception:
            log.exception("row %s could not be shown", index.row())
            return None

    def _data(self, index: AnyIndex, role: int) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == self.ItemIdRole:
            return self._ids[index.row()]
        row = self.row_at(index.row())
        if row is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole else None
        if role == self.RowRole:
            return row
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_CHANNEL:
            return channel_icon(self._looks(row.channel_kind))
        if role == self.UnreadRole:
            return row.id in self._unread
        if role == self.ChipsRole:
            return item_chips(row, self._now)
        if role == Qt.ItemDataRole.FontRole and row.id in self._unread:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._spoken(row, col)
        return None

    def _spoken(self, row: ItemRow, col: int) -> str:
        """What a screen reader says for a cell: words, never a colour or a symbol."""
        if col == COL_CHANNEL:
            return f"{row.channel_name}, {row.kind.replace('_', ' ')}"
        if col == COL_AUTHOR:
            return ("unread, " if row.id in self._unread else "") + f"from {row.author}"
        if col == COL_BADGE:
            return ", ".join(c.spoken or c.text for c in item_chips(row, self._now)) or "no flags"
        if col == COL_AGE:
            return f"received {row.received_at.astimezone():%A %d %B %H:%M}"
        if col == COL_TAGS:
            return "tags " + ", ".join(row.tags) if row.tags else "no tags"
        if col == COL_ASSIGNEE:
            return f"assigned to {row.assignee}" if row.assignee else "unassigned"
        return row.snippet

    def _display(self, row: ItemRow, col: int) -> str:
        # Names, text and tags come from outside: each isolated so none can reorder the rest.
        if col == COL_AUTHOR:
            return isolate(row.author)
        if col == COL_SNIPPET:
            return isolate(row.snippet)
        if col == COL_AGE:
            return short_age(row.received_at, self._now)
        if col == COL_TAGS:
            return " ".join(f"#{isolate(t)}" for t in row.tags)
        if col == COL_ASSIGNEE:
            return isolate(row.assignee or "")
        if col == COL_BADGE:
            return ""  # drawn as chips by ui/delegates.py
        return ""

    def _tooltip(self, row: ItemRow, col: int) -> str | None:
        if col == COL_CHANNEL:
            return f"{isolate(row.channel_name)} · {row.kind.replace('_', ' ')}"
        if col == COL_BADGE:
            return chips_tooltip(item_chips(row, self._now))
        if col == COL_AGE:
            return row.received_at.astimezone().strftime("%a %d %b %Y %H:%M")
        return None


def chips_tooltip(chips: list[Chip]) -> str | None:
    lines = [c.tooltip or c.text for c in chips]
    return "\n".join(lines) or None
