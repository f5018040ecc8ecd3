"""How list rows and sidebar counts are drawn: unread dot and weight, initials avatar, state chips."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui.chips import paint_avatar, paint_chips
from ui.models.inbox_model import COL_AUTHOR, COL_BADGE, InboxModel
from ui.theme import Theme

AnyIndex = QModelIndex | QPersistentModelIndex
DOT = 8


class ItemDelegate(QStyledItemDelegate):
    """The item list: a dot and bold text for unread, the sender's initials, chips for state."""

    def __init__(self, theme: Callable[[], Theme], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        col = index.column()
        if col not in (COL_AUTHOR, COL_BADGE):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:  # background, selection and focus, without the text
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = QRectF(opt.rect)
        theme = self._theme()
        if col == COL_BADGE:
            chips = index.data(InboxModel.ChipsRole)
            if isinstance(chips, list):
                paint_chips(painter, rect.adjusted(4, 0, -2, 0), chips, theme, opt.font)
            return
        unread = bool(index.data(InboxModel.UnreadRole))
        x = rect.left() + 4
        if unread:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.accent))
            painter.drawEllipse(QRectF(x, rect.center().y() - DOT / 2, DOT, DOT))
            painter.restore()
        x += DOT + 4
        size = min(rect.height() - 6, 20.0)
        row = index.data(InboxModel.RowRole)
        name = getattr(row, "author", "") or text
        paint_avatar(painter, QRectF(x, rect.center().y() - size / 2, size, size), name, opt.font)
        x += size + 6
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        painter.save()
        painter.setFont(opt.font)  # bold when unread (FontRole)
        painter.setPen(palette.highlightedText().color() if selected else palette.text().color())
        text_rect = QRectF(x, rect.top(), rect.right() - x - 2, rect.height())
        elided = painter.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideRight, int(text_rect.width())
        )
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided
        )
        painter.restore()


class CountDelegate:
    """Roles the sidebar's count cells carry (a pill-painting delegate for QTreeWidget cells
    made PySide6 6.12 corrupt None's reference count at exit; the counts are coloured text)."""

    TONE_ROLE = Qt.ItemDataRole.UserRole + 7
