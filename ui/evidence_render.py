"""An evidence bundle's conversation as an A4 PDF (QTextDocument + QPdfWriter, offscreen), and page images.

services/records writes the HTML; drawing it needs Qt, so the command line hands
`write_pdf_offscreen` to the export, as it does for the weekly report.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF
from PySide6.QtGui import (
    QColor,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication

_A4_AT_96_DPI = QSizeF(794 - 2 * 57, 1123 - 2 * 57)  # 15 mm margins, as the weekly report


def _app() -> None:
    if QApplication.instance() is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("Front Counter")


def _document(html: str) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(html)  # the HTML is ours and names no remote resource
    return doc


def write_pdf(html: str, path: Path, title: str) -> Path:
    doc = _document(html)
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("Front Counter")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setResolution(96)  # laid out at screen resolution: 9 pt text stays 9 pt on paper
    doc.setPageSize(QSizeF(writer.width(), writer.height()))
    doc.print_(writer)
    del writer  # the file is complete only once the writer is gone
    return path


def write_pdf_offscreen(html: str, path: Path, title: str) -> Path:
    """For processes without a window; the caller chose the offscreen platform before importing."""
    _app()
    return write_pdf(html, path, title)


def first_page_png(html: str, path: Path, scale: float = 1.5) -> Path:
    """The first A4 page as the PDF lays it out, as a PNG (for docs and for looking at)."""
    _app()
    doc = _document(html)
    doc.setPageSize(_A4_AT_96_DPI)
    margin = 57
    size = (
        int((_A4_AT_96_DPI.width() + 2 * margin) * scale),
        int((_A4_AT_96_DPI.height() + 2 * margin) * scale),
    )
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(scale, scale)
    painter.translate(QPointF(margin, margin))
    doc.drawContents(painter, QRectF(0, 0, _A4_AT_96_DPI.width(), _A4_AT_96_DPI.height()))
    painter.end()
    image.save(str(path))
    return path
