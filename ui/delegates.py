"""How list rows and sidebar counts are drawn: unread dot and weight, initials avatar, state chips."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui.chips import CHIP_PAD_X, chip_font, paint_avatar, paint_chips
from ui.models.inbox_model import COL_AUTHOR, COL_BADGE, COL_SNIPPET, InboxModel
from ui.theme import Theme, Tone

AnyIndex = QModelIndex | QPersistentModelIndex
DOT = 8


class ItemDelegate(QStyledItemDelegate):
    """The item list: a dot and bold text for unread, the sender's initials, chips for state."""

    def __init__(self, theme: Callable[[], Theme], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._veiled: Callable[[int], bool] = lambda _item_id: False

    def set_veil(self, is_veiled: Callable[[int], bool]) -> None:
        """Who decides which rows are veiled for this person (ui/welfare_veil.py)."""
        self._veiled = is_veiled

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        col = index.column()
        if col == COL_SNIPPET and self._veiled(int(index.data(InboxModel.ItemIdRole) or 0)):
            self._paint_veiled(painter, option, index)
            return
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

    def _paint_veiled(
        self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex
    ) -> None:
        """A distressing item's text, blurred beyond reading, under a plain label."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = opt.rect
        if rect.width() < 8 or rect.height() < 4:
            return
        sharp = QImage(rect.size(), QImage.Format.Format_ARGB32_Premultiplied)
        sharp.fill(Qt.GlobalColor.transparent)
        p = QPainter(sharp)
        p.setFont(opt.font)
        p.setPen(opt.palette.text().color())
        p.drawText(sharp.rect().adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, text)
        p.end()
        # Down to a sixth and back up, smoothly: the shape of the text stays, no word does.
        small = sharp.scaled(
            max(1, rect.width() // 6), max(1, rect.height() // 6),
            Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation,
        )  # fmt: skip
        blurred = small.scaled(
            rect.size(), Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )  # fmt: skip
        painter.drawImage(rect.topLeft(), blurred)
        theme = self._theme()
        painter.save()
        painter.setFont(opt.font)
        metrics = painter.fontMetrics()
        label = metrics.elidedText(
            "Distressing: hidden", Qt.TextElideMode.ElideRight, rect.width() - 20
        )
        width = metrics.horizontalAdvance(label) + 12
        pill = QRectF(rect.left() + 4, rect.center().y() - metrics.height() / 2 - 1,
                      min(width, rect.width() - 8), metrics.height() + 2)  # fmt: skip
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.base))
        painter.drawRoundedRect(pill, 4, 4)
        painter.setPen(QColor(theme.muted))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
        painter.restore()


class CountDelegate(QStyledItemDelegate):
    """The sidebar's counts as rounded pills in their tone (the list's chip colours).

    An earlier pill here aborted PySide6 6.12 with "deallocating None". The cause is not this
    delegate but shiboken6 6.12 on Python 3.11: every Qt method returning nothing costs None a
    reference, in every delegate of the desktop (ui/qt_compat.py gives None the head-room).
    Every count cell still carries its tone (ui/panes/sidebar.py), so no unset role is read,
    and what the painter is handed is held in a name for the whole call.
    tests/ui/test_sidebar_pills.py checks the pills and a shift's worth of painting.
    """

    TONE_ROLE = Qt.ItemDataRole.UserRole + 7

    def __init__(self, theme: Callable[[], Theme], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        if index.column() != 1:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text  # the count, as initStyleOption read it ("" for none)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:  # background and selection, without the text
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        if not text:
            return
        tone_value = index.data(self.TONE_ROLE)  # set on every count cell: never None
        tone = Tone(tone_value) if isinstance(tone_value, str) else Tone.NEUTRAL
        colours = self._theme().chip(tone)
        font = chip_font(opt.font)
        metrics = QFontMetrics(font)
        cell = QRectF(opt.rect)
        height = min(cell.height() - 4, float(metrics.height() + 2))
        width = max(height, float(metrics.horizontalAdvance(text) + 2 * CHIP_PAD_X))
        pill = QRectF(cell.right() - width - 4, cell.center().y() - height / 2, width, height)
        fill = QColor(colours.fill)
        ink = QColor(colours.text)
        radius = height / 2
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, radius, radius)
        painter.setFont(font)
        painter.setPen(ink)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        size = super().sizeHint(option, index)
        if index.column() == 1:
            size.setWidth(size.width() + 2 * CHIP_PAD_X + 8)  # room for the pill's ends
        return size
