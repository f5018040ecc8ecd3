"""The composition root: builds the engine, session factory and connector registry, upgrades the
schema, picks the renderer."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from console import config_file
from services.errors import KnownError
from services.store.db import SessionFactory, make_engine, make_session_factory, upgrade
from services.workspace import site_config
from services.workspace.settings import DEFAULT_TIMEZONE
from services.workspace.site_config import CentralConfig, CentralSetting, SiteConfig

if TYPE_CHECKING:  # loaded when used, not at every start: the connectors, the report's modules
    from services.channels.protocol import Registry
    from services.reports.metrics import WeeklyReport
    from services.worker import ReportRenderer


@dataclass(frozen=True)
class AppContext:
    engine: Engine
    factory: SessionFactory
    url: str
    tz: ZoneInfo
    # The connector classes and what each kind of channel can do, built once here and
    # handed to the services that ask, as the factory is (services/channels/registry.py).
    registry: Registry
    site: SiteConfig = field(default_factory=SiteConfig)

    def close(self) -> None:
        self.engine.dispose()


def open_context(
    url: str,
    tz_name: str = DEFAULT_TIMEZONE,
    migrate: bool = True,
    site: SiteConfig | None = None,
) -> AppContext:
    """The database opened (and upgraded), and the force's configuration installed for services.

    `site` defaults to what the configuration files and environment say (config_file.py).
    """
    chosen = site if site is not None else site_from_config(config_file.load())
    site_config.install(chosen)  # the proxy for every connector, 101 and the force's name
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    from services.channels.registry import build_registry  # the connectors: not for --help

    return AppContext(
        engine, make_session_factory(engine), url, ZoneInfo(tz_name), build_registry(), chosen
    )


def site_from_config(config: config_file.EffectiveConfig) -> SiteConfig:
    """The settings services use, from the effective configuration (`config show`)."""
    try:
        return site_config.site_config(
            force_name=config.text("force_name"),
            non_emergency_number=config.text("non_emergency_number"),
            http_proxy=config.text("http_proxy"),
            attachments_folder=config.text("attachments_folder"),
        )
    except KnownError as exc:
        source = config.values["http_proxy"].source
        raise config_file.ConfigError(f"{exc} (from {source})") from None


def central_config() -> CentralConfig:
    """The central settings for the desktop's settings dialog, and how to save the person's own.

    The lock decision is config_file's: a setting IT locked has a reason and no way to save.
    """

    def rows(config: config_file.EffectiveConfig) -> tuple[CentralSetting, ...]:
        return tuple(
            CentralSetting(
                key.name,
                key.description,
                key.kind is bool,
                config.values[key.name].value,
                config_file.shown(config.values[key.name].value),
                config.values[key.name].source,
                config_file.lock_reason(config, key.name),
            )
            for key in config_file.KEYS
        )

    def save(changes: Mapping[str, str | bool | None]) -> tuple[CentralSetting, ...]:
        try:
            return rows(config_file.save_user_values(changes))
        except config_file.ConfigError as exc:
            raise KnownError(str(exc)) from None

    config = config_file.load()
    return CentralConfig(rows(config), save, str(config.user_file))


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
