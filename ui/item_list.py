"""The item list's view: columns, row height and the delegate; sizes follow the text size."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ui.delegates import ItemDelegate
from ui.models.inbox_model import (
    COL_AGE,
    COL_ASSIGNEE,
    COL_AUTHOR,
    COL_BADGE,
    COL_CHANNEL,
    COL_SNIPPET,
    COL_TAGS,
)
from ui.theme import Theme

COLUMN_WIDTHS = ((COL_CHANNEL, 28), (COL_AUTHOR, 150), (COL_AGE, 40), (COL_TAGS, 96),
                 (COL_ASSIGNEE, 70), (COL_BADGE, 136))  # fmt: skip


def make_item_list(theme: Callable[[], Theme]) -> QTableView:
    v = QTableView()
    v.setObjectName("item_list")
    v.setAccessibleName("Items")
    v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    v.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    v.setShowGrid(False)
    v.setWordWrap(False)
    v.setAlternatingRowColors(True)
    v.setItemDelegate(ItemDelegate(theme, v))
    v.verticalHeader().hide()
    v.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    v.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    v.horizontalHeader().setHighlightSections(False)
    fit_rows_to_text(v)
    return v


def size_columns(view: QTableView) -> None:
    """Default column widths; call once the model is set (before a person's saved widths)."""
    header = view.horizontalHeader()
    for col, width in COLUMN_WIDTHS:
        header.resizeSection(col, width)
    header.setSectionResizeMode(COL_SNIPPET, QHeaderView.ResizeMode.Stretch)


def fit_rows_to_text(view: QTableView) -> None:
    """Comfortable rows that still show 25+ at 1280×800 with the desktop's text size."""
    view.verticalHeader().setDefaultSectionSize(max(26, view.fontMetrics().height() + 10))
