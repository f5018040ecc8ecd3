"""The weekly report's charts (QtCharts, offscreen) and its A4 PDF (QTextDocument + QPdfWriter)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QPieSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMarginsF, QSizeF, Qt, QUrl
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

from services.reports.export import render_html, write_csv
from services.reports.metrics import WeeklyReport
from services.store.models import utcnow
from ui.qt_compat import keep_none_alive

CHANNEL_COLOURS = (
    "#21759b",
    "#ee802f",
    "#5f6368",
    "#6364ff",
    "#1185fe",
    "#1877f2",
    "#000000",
    "#8e44ad",
)
FRT_BUCKETS = (
    ("under 1 h", 60),  # QtCharts labels are rich text: a bare "<" hides the label
    ("1–4 h", 240),
    ("4–8 h", 480),
    ("8–24 h", 1440),
    ("1–2 days", 2880),
    ("> 2 days", None),
)
SIZE = (900, 420)


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def _image(chart: QChart, size: tuple[int, int] = SIZE) -> QImage:
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.resize(*size)
    return view.grab().toImage()


def _count_axis(top: int) -> QValueAxis:
    axis = QValueAxis()
    axis.setLabelFormat("%d")
    top = max(1, top)
    axis.setRange(0, top)
    axis.setTickCount(top + 1 if top <= 8 else 6)
    if top > 8:
        axis.applyNiceNumbers()
    return axis


def volume_chart(report: WeeklyReport) -> QChart:
    chart = _chart("Inbound items per day, by channel")
    series = QStackedBarSeries()
    channels = list(report.volume_by_channel)
    days = sorted(report.volume_by_day)
    for i, channel in enumerate(channels):
        bar = QBarSet(channel)
        bar.setColor(QColor(CHANNEL_COLOURS[i % len(CHANNEL_COLOURS)]))
        for d in days:
            bar.append(report.volume_by_day[d].get(channel, 0))
        series.append(bar)
    chart.addSeries(series)
    axis_x = QBarCategoryAxis()
    axis_x.append([d.strftime("%a %d") for d in days])
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    axis_y = _count_axis(max((sum(v.values()) for v in report.volume_by_day.values()), default=0))
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    return chart


def frt_buckets(report: WeeklyReport) -> list[tuple[str, int]]:
    values = [f.frt_minutes for f in report.items if f.frt_minutes is not None]
    out = []
    low = 0.0
    for label, high in FRT_BUCKETS:
        out.append((label, sum(1 for v in values if v >= low and (high is None or v < high))))
        low = float(high or 0)
    return out


def _single_bar_chart(
    title: str, labels: list[str], values: list[int], colour: str, horizontal: bool = False
) -> QChart:
    chart = _chart(title)
    bar = QBarSet("items")
    bar.setColor(QColor(colour))
    for n in values:
        bar.append(n)
    series = QHorizontalBarSeries() if horizontal else QBarSeries()
    series.append(bar)
    chart.addSeries(series)
    categories = QBarCategoryAxis()
    categories.append(labels)
    counts = _count_axis(max(values, default=0))
    side_categories = Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom
    side_counts = Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft
    for axis, side in ((categories, side_categories), (counts, side_counts)):
        chart.addAxis(axis, side)
        series.attachAxis(axis)
    chart.legend().hide()
    return chart


def frt_chart(report: WeeklyReport) -> QChart:
    buckets = frt_buckets(report)
    return _single_bar_chart(
        "First response time: how many answers in each band",
        [label for label, _ in buckets],
        [n for _, n in buckets],
        "#146c2e",
    )


def tags_chart(report: WeeklyReport) -> QChart:
    top = list(report.by_tag.items())[:10][::-1]
    return _single_bar_chart(
        "Items by tag (top 10)",
        [f"#{t}" for t, _ in top] or ["(no tags)"],
        [n for _, n in top],
        "#5f6368",
        horizontal=True,
    )


def sla_chart(report: WeeklyReport) -> QChart:
    chart = _chart(f"Response target ({report.policy.target_hours:g} h)")
    series = QPieSeries()
    for label, n, colour in (
        ("within", report.sla_within, "#146c2e"),
        ("breached", len(report.sla_breaches), "#b3261e"),
        ("pending", report.sla_pending, "#f9a825"),
    ):
        if n:
            slice_ = series.append(f"{label}: {n}", n)
            slice_.setColor(QColor(colour))
            slice_.setLabelVisible(True)
    chart.addSeries(series)
    return chart


def chart_images(report: WeeklyReport) -> dict[str, QImage]:
    return {
        "volume": _image(volume_chart(report)),
        "frt": _image(frt_chart(report)),
        "tags": _image(tags_chart(report)),
        "sla": _image(sla_chart(report), (600, 380)),
    }


def write_pdf(report: WeeklyReport, images: dict[str, QImage], path: Path) -> Path:
    doc = QTextDocument()
    for name, image in images.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart:{name}"), image)
    doc.setHtml(render_html(report, {n: f"chart:{n}" for n in images}, utcnow()))
    writer = QPdfWriter(str(path))
    writer.setTitle(f"Public engagement — week {report.week.label}")
    writer.setCreator("Front Counter")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    # The document is laid out at screen resolution; matching it keeps 9 pt text 9 pt on paper.
    writer.setResolution(96)
    doc.setPageSize(QSizeF(writer.width(), writer.height()))
    doc.print_(writer)
    del writer  # the file is complete only once the writer is gone
    return path


def write_report_offscreen(report: WeeklyReport, folder: Path, formats: set[str]) -> list[Path]:
    """The entry for processes without a window (the worker, `report weekly`).

    QtCharts draws through widgets, so a QApplication must exist; the caller picks the
    platform (offscreen) before this module is imported.
    """
    keep_none_alive()  # a long-running worker draws a report every week: see ui/qt_compat.py
    if QApplication.instance() is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("Front Counter")
    return write_report(report, folder, formats)


def write_report(report: WeeklyReport, folder: Path, formats: set[str]) -> list[Path]:
    """Write the chosen formats (pdf, html, csv) into `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    label = report.week.label
    images = chart_images(report) if formats & {"pdf", "html"} else {}
    if "pdf" in formats:
        written.append(write_pdf(report, images, folder / f"{label}-weekly-report.pdf"))
    if "html" in formats:
        names = {}
        for name, image in images.items():
            file = folder / f"{label}-{name}.png"
            image.save(str(file))
            names[name] = file.name
            written.append(file)
        html = folder / f"{label}-weekly-report.html"
        html.write_text(render_html(report, names, utcnow()), encoding="utf-8")
        written.append(html)
    if "csv" in formats:
        written.extend(write_csv(report, folder))
    return written
