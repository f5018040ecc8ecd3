"""The composition root: builds the engine and session factory, upgrades the schema, picks the renderer."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from services.errors import KnownError
from services.store.db import SessionFactory, make_engine, make_session_factory, upgrade
from services.workspace_settings import DEFAULT_TIMEZONE

if TYPE_CHECKING:  # the report's modules load when a report is written, not at every start
    from services.reports.metrics import WeeklyReport
    from services.worker import ReportRenderer


@dataclass(frozen=True)
class AppContext:
    engine: Engine
    factory: SessionFactory
    url: str
    tz: ZoneInfo

    def close(self) -> None:
        self.engine.dispose()


def open_context(url: str, tz_name: str = DEFAULT_TIMEZONE, migrate: bool = True) -> AppContext:
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return AppContext(engine, make_session_factory(engine), url, ZoneInfo(tz_name))


def report_renderer() -> ReportRenderer:
    """The weekly report's charts and PDF are drawn by Qt, on its offscreen platform.

    That makes PySide6 a dependency of the headless worker and of `report weekly`
    (docs/ARCHITECTURE.md says why). Qt is imported only when a PDF or HTML report is
    written: CSV alone needs none, a worker that never writes a report starts without it,
    and one that cannot import it reports the reason on that report and carries on.
    """

    def render(report: WeeklyReport, folder: Path, formats: set[str]) -> list[Path]:
        from services.reports.export import write_csv

        if formats <= {"csv"}:
            return write_csv(report, folder)
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no screen needed, or wanted
        try:
            from ui.report_render import write_report_offscreen
        except ImportError as exc:
            raise KnownError(
                f"the weekly report's charts and PDF are drawn by Qt, which cannot be loaded "
                f"here ({exc}); install PySide6, or ask for --format csv"
            ) from exc
        return write_report_offscreen(report, folder, formats)

    return render
