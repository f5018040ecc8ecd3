"""Channel icons drawn at runtime: a coloured disc with the platform's initial (no remote assets)."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

CHANNEL_STYLE = {
    "wordpress": ("#21759b", "W"),
    "feed": ("#ee802f", "R"),
    "email": ("#5f6368", "@"),
    "mastodon": ("#6364ff", "M"),
    "bluesky": ("#1185fe", "B"),
    "facebook": ("#1877f2", "f"),
    "x": ("#000000", "X"),
}


@cache
def channel_icon(kind: str, size: int = 32) -> QIcon:
    color, letter = CHANNEL_STYLE.get(kind, ("#888888", "?"))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(size * 0.55))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, letter)
    painter.end()
    return QIcon(pixmap)
