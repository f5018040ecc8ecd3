"""The weekly report as PDF (turned into PNG pages) and the desktop Reports view with Export…."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from services.reports import metrics
from services.reports.week import last_full_week
from services.store.db import SessionFactory
from services.store.models import utcnow
from tests.ui.conftest import ARTIFACTS, save_shot, settle
from ui.dialogs.reports_dialog import ReportsDialog
from ui.main_window import MainWindow
from ui.report_render import write_report

LONDON = ZoneInfo("Europe/London")


def _pdf_tools() -> None:
    if not (shutil.which("pdftoppm") and shutil.which("pdftotext")):
        pytest.fail("poppler-utils (pdftoppm, pdftotext) is missing: .ci/run installs it")


def test_pdf_report_renders_to_pages_with_the_figures(
    qtbot: QtBot, demo_factory: SessionFactory, tmp_path: Path
) -> None:
    _pdf_tools()
    week = last_full_week(utcnow(), LONDON)
    report = metrics.compute(demo_factory, week)
    files = write_report(report, tmp_path, {"pdf", "html", "csv"})
    pdf = tmp_path / f"{week.label}-weekly-report.pdf"
    assert pdf in files and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Public engagement — week {week.label}" in text
    assert "inbound items" in text and str(report.volume) in text
    pages = ARTIFACTS / "report"
    pages.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(pages / "page")], check=True)
    rendered = sorted(pages.glob("page-*.png"))
    assert len(rendered) >= 3
    html = (tmp_path / f"{week.label}-weekly-report.html").read_text(encoding="utf-8")
    assert "<script" not in html and f"{week.label}-volume.png" in html


def test_reports_view_shows_a_week_and_exports_without_blocking(
    qtbot: QtBot, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    w = make_window()
    qtbot.keyClick(
        w.list,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: w.findChild(ReportsDialog) is not None, timeout=5000)
    dialog = w.findChild(ReportsDialog)
    assert isinstance(dialog, ReportsDialog)
    dialog.resize(1280, 900)
    settle(qtbot, w)
    assert dialog.report is not None and "inbound items" in dialog.figures.text()
    assert len(dialog.views) == 4
    save_shot(dialog, "reports-view.png")
    with qtbot.waitSignal(dialog.exported, timeout=20_000) as blocker:
        dialog.export_to(tmp_path / "out")
        assert dialog.progress.isVisible()  # the GUI is free while the files are written
    names = {p.name for p in blocker.args[0]}
    label = dialog.selected_week().label
    assert {f"{label}-weekly-report.pdf", f"{label}-items.csv", f"{label}-summary.csv"} <= names
    assert (tmp_path / "out" / f"{label}-weekly-report.pdf").read_bytes().startswith(b"%PDF")
    assert QApplication.instance() is not None
