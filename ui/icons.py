"""Channel icons drawn at runtime: a coloured disc with the platform's initial (no remote assets).

The colour and letter are the connector's (services/channels/capabilities.py, through the
registry's `look`); this module only draws them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap

from services.channels.capabilities import ChannelLook

APP_ICON = Path(__file__).resolve().parents[1] / "resources" / "icons" / "front-counter.svg"


@cache
def channel_icon(look: ChannelLook, size: int = 32) -> QIcon:
    color, letter = look.colour, look.letter
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


# ---- toolbar icons: simple line drawings in the text colour, so they follow the theme ----


def _pen(colour: QColor, size: int) -> QPen:
    pen = QPen(colour, max(1.5, size / 12))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _draw(action_id: str, p: QPainter, s: float) -> None:
    """One glyph on an s×s canvas (coordinates as fractions of s)."""

    def pt(x: float, y: float) -> QPointF:
        return QPointF(x * s, y * s)

    if action_id == "done":
        p.drawPolyline([pt(0.2, 0.52), pt(0.42, 0.74), pt(0.82, 0.28)])
    elif action_id == "tag":
        p.drawPolygon(
            [pt(0.15, 0.15), pt(0.55, 0.15), pt(0.88, 0.5), pt(0.5, 0.88), pt(0.15, 0.55)]
        )
        p.drawEllipse(pt(0.34, 0.34), s * 0.06, s * 0.06)
    elif action_id == "assign":
        p.drawEllipse(pt(0.5, 0.34), s * 0.16, s * 0.16)
        path = QPainterPath(pt(0.18, 0.86))
        path.cubicTo(pt(0.2, 0.55), pt(0.8, 0.55), pt(0.82, 0.86))
        p.drawPath(path)
    elif action_id == "escalate":
        p.drawPolyline([pt(0.22, 0.46), pt(0.5, 0.16), pt(0.78, 0.46)])
        p.drawLine(pt(0.5, 0.16), pt(0.5, 0.84))
    elif action_id == "snooze":
        p.drawEllipse(pt(0.5, 0.52), s * 0.33, s * 0.33)
        p.drawPolyline([pt(0.5, 0.32), pt(0.5, 0.54), pt(0.64, 0.64)])
    elif action_id == "reply":
        path = QPainterPath(pt(0.84, 0.8))
        path.cubicTo(pt(0.8, 0.45), pt(0.55, 0.4), pt(0.2, 0.42))
        p.drawPath(path)
        p.drawPolyline([pt(0.4, 0.22), pt(0.18, 0.42), pt(0.4, 0.62)])
    elif action_id == "sync_now":
        p.drawArc(QRectF(pt(0.18, 0.18), pt(0.82, 0.82)), 30 * 16, 150 * 16)
        p.drawArc(QRectF(pt(0.18, 0.18), pt(0.82, 0.82)), 210 * 16, 150 * 16)
        p.drawPolyline([pt(0.66, 0.12), pt(0.8, 0.3), pt(0.6, 0.36)])
        p.drawPolyline([pt(0.34, 0.88), pt(0.2, 0.7), pt(0.4, 0.64)])
    elif action_id == "reports":
        for x, top in ((0.25, 0.55), (0.5, 0.3), (0.75, 0.45)):
            p.drawLine(pt(x, 0.82), pt(x, top))
    elif action_id == "spam":
        p.drawEllipse(pt(0.5, 0.5), s * 0.33, s * 0.33)
        p.drawLine(pt(0.27, 0.73), pt(0.73, 0.27))
    else:
        p.drawEllipse(pt(0.5, 0.5), s * 0.12, s * 0.12)


def action_icon(action_id: str, colour: str, size: int = 40) -> QIcon:
    """A toolbar icon drawn at runtime (no downloaded assets), in `colour`."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(_pen(QColor(colour), size))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    _draw(action_id, painter, float(size))
    painter.end()
    return QIcon(pixmap)
