"""The Reports view: any week's figures and charts on screen, and Export… to the same files."""

from __future__ import annotations

from datetime import timedelta
from html import escape
from pathlib import Path

from PySide6.QtCharts import QChartView
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from services.reports import metrics
from services.reports.export import minutes_text, write_csv
from services.reports.week import Week, last_full_week, week_of
from services.store.models import utcnow
from ui.context import UiContext
from ui.report_render import chart_images, frt_chart, sla_chart, tags_chart, volume_chart, write_pdf

WEEKS_BACK = 12
CHART_MIN_WIDTH, CHART_MIN_HEIGHT = 420, 300


class ReportsDialog(QDialog):
    exported = Signal(list)
    """Export finished: the files written."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reports")
        self.setWindowTitle("Weekly report")
        self._fit_to_screen()
        self._ctx = ctx
        self.report: metrics.WeeklyReport | None = None
        self.week = QComboBox()
        self.week.setObjectName("report_week")
        last = last_full_week(utcnow(), ctx.tz)
        current = week_of(utcnow().astimezone(ctx.tz).date(), ctx.tz)
        self.week.addItem(f"{current.label} (this week, so far)", current)
        for n in range(WEEKS_BACK):
            w = week_of(last.monday - timedelta(days=7 * n), ctx.tz)
            self.week.addItem(f"{w.label} — {w.monday:%d %b} to {w.days[-1]:%d %b %Y}", w)
        self.week.setCurrentIndex(1)
        self.figures = QLabel("Loading…")
        self.figures.setObjectName("report_figures")
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.figures.setWordWrap(True)
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("report_export")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.status = QLabel("")
        top = QHBoxLayout()
        top.addWidget(QLabel("Week:"))
        top.addWidget(self.week, 1)
        top.addWidget(self.progress)
        top.addWidget(self.status)
        top.addWidget(self.export_button)
        # Charts reflow to the window (two columns, or one when narrow) and scroll, never squeeze.
        self.chart_area = QWidget()
        self.charts = QGridLayout(self.chart_area)
        self.chart_scroll = QScrollArea()
        self.chart_scroll.setObjectName("report_scroll")
        self.chart_scroll.setWidgetResizable(True)
        self.chart_scroll.setWidget(self.chart_area)
        self.chart_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.views: list[QChartView] = []
        self._columns = 0
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.figures)
        layout.addWidget(self.chart_scroll, 1)
        self.week.currentIndexChanged.connect(lambda _i: self.load())
        self.export_button.clicked.connect(self._ask_folder)
        self.load()

    def _fit_to_screen(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        room = screen.availableGeometry() if screen is not None else None
        width, height = 1200, 860
        if room is not None:
            width, height = (
                min(width, int(room.width() * 0.92)),
                min(height, int(room.height() * 0.9)),
            )
        self.resize(width, height)

    @property
    def columns(self) -> int:
        """How many charts sit side by side at the current width."""
        return self._columns

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._reflow()

    def _reflow(self) -> None:
        columns = 2 if self.chart_scroll.viewport().width() >= 2 * CHART_MIN_WIDTH + 24 else 1
        if columns == self._columns and all(self.charts.indexOf(v) >= 0 for v in self.views):
            return
        self._columns = columns
        for view in self.views:
            self.charts.removeWidget(view)
        for i, view in enumerate(self.views):
            self.charts.addWidget(view, i // columns, i % columns)

    def selected_week(self) -> Week:
        week = self.week.currentData()
        assert isinstance(week, Week)
        return week

    def load(self) -> None:
        week, f = self.selected_week(), self._ctx.factory
        self.progress.show()
        self.export_button.setEnabled(False)
        as_of = min(week.end, utcnow())
        self._ctx.jobs.run(
            "report.compute",
            lambda: metrics.compute(f, week, as_of),
            self._on_computed,
            lambda exc: self.status.setText(f"Could not compute the report: {exc}"),
        )

    def _on_computed(self, report: metrics.WeeklyReport) -> None:
        self.report = report
        self.progress.hide()
        self.export_button.setEnabled(True)
        self.figures.setText(_figures_html(report))
        for view in self.views:
            view.setParent(None)
        self.views = []
        for i, chart in enumerate(
            (volume_chart(report), frt_chart(report), tags_chart(report), sla_chart(report))
        ):
            view = QChartView(chart)
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumSize(CHART_MIN_WIDTH, CHART_MIN_HEIGHT)
            view.setAccessibleName(chart.title() or f"chart {i + 1}")
            self.views.append(view)
        self._columns = 0
        self._reflow()

    def _ask_folder(self) -> None:
        dialog = QFileDialog(self, "Export the report to…")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.fileSelected.connect(lambda path: self.export_to(Path(path)))
        dialog.open()

    def export_to(self, folder: Path) -> None:
        """PDF, HTML charts and CSV into `folder`; charts render here, files are written off-thread."""
        report = self.report
        if report is None:
            return
        images = chart_images(report)
        self.progress.show()
        self.status.setText("Exporting…")
        self.export_button.setEnabled(False)

        def work() -> list[Path]:
            folder.mkdir(parents=True, exist_ok=True)
            files = [write_pdf(report, images, folder / f"{report.week.label}-weekly-report.pdf")]
            return files + write_csv(report, folder)

        def done(files: list[Path]) -> None:
            self.progress.hide()
            self.export_button.setEnabled(True)
            self.status.setText(f"Wrote {len(files)} files to {folder}")
            self.exported.emit(files)

        def failed(exc: Exception) -> None:
            self.progress.hide()
            self.export_button.setEnabled(True)
            self.status.setText(f"Export failed: {exc}")

        self._ctx.jobs.run("report.export", work, done, failed)


def _figures_html(r: metrics.WeeklyReport) -> str:
    prev = r.previous.headline() if r.previous else {}
    cells = []
    for key, value in r.headline().items():
        before = prev.get(key)
        change = ""
        if value is not None and before is not None and value != before:
            change = f" <span style='color:palette(placeholder-text)'>({'▲' if value > before else '▼'} {abs(value - before):g})</span>"
        shown = "—" if value is None else f"{value:g}"
        cells.append(
            f"<td style='padding:4px 12px'><span style='color:palette(placeholder-text)'>{escape(key)}</span><br>"
            f"<span style='font-size:16pt; font-weight:bold'>{shown}</span>{change}</td>"
        )
    rows = "".join("<tr>" + "".join(cells[i : i + 4]) + "</tr>" for i in range(0, len(cells), 4))
    return (
        f"<table>{rows}</table><p>First response median {minutes_text(r.frt.median_minutes)}, "
        f"90th percentile {minutes_text(r.frt.p90_minutes)} · SLA breaches {len(r.sla_breaches)} · "
        f"open escalations {len(r.open_escalations)} · replies reviewed {len(r.decisions)}</p>"
    )
