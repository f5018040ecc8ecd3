"""Builds the desktop application from what the console hands it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from services.channels.protocol import Registry
from services.store.db import SessionFactory
from services.workspace.actor import Actor
from services.workspace.site_config import CentralConfig
from ui.context import UiContext
from ui.icons import APP_ICON
from ui.jobs import Jobs
from ui.main_window import MainWindow
from ui.qt_compat import keep_none_alive
from ui.sync_monitor import SyncMonitor


def application() -> QApplication:
    keep_none_alive()  # before any painting from Python: see ui/qt_compat.py
    # Every call from Qt into Python (a row's data, a delegate's paint) waits for the GIL; a
    # busy worker gave it up only every 5 ms (the default), which made the list paint late.
    sys.setswitchinterval(0.001)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
        app.setApplicationName("Front Counter")
        app.setOrganizationName("front-counter")
    # The installed desktop entry's id: docks and Wayland match the window to its entry.
    app.setDesktopFileName("org.frontcounter.FrontCounter")
    if app.windowIcon().isNull():
        app.setWindowIcon(QIcon(str(APP_ICON)))
    return app


def build_window(
    factory: SessionFactory,
    actor: Actor,
    tz: ZoneInfo,
    settings: QSettings | None = None,
    worker_command: Sequence[str] | None = None,
    central: CentralConfig | None = None,
    *,
    registry: Registry,
) -> MainWindow:
    application()
    jobs = Jobs()
    monitor = SyncMonitor(worker_command) if worker_command else None
    window = MainWindow(
        UiContext(factory, actor, tz, jobs, registry, central or CentralConfig()),
        settings or person_settings(actor),
        monitor,
    )
    if monitor is not None:
        monitor.setParent(window)
    jobs.setParent(window)
    return window


def person_settings(actor: Actor) -> QSettings:
    """Window layout, text size and theme are kept per person, even on a shared login."""
    return QSettings(
        QSettings.Format.IniFormat,
        QSettings.Scope.UserScope,
        "front-counter",
        f"desktop-{actor.name}",
    )


def run(
    factory: SessionFactory,
    actor: Actor,
    tz: ZoneInfo,
    worker_command: Sequence[str] | None = None,
    offer_demo: bool = False,
    central: CentralConfig | None = None,
    *,
    registry: Registry,
    on_started: Callable[[], None] | None = None,
) -> int:
    """Show the window; in single-user mode `worker_command` starts the sync worker as a child.

    `on_started` is called once the first rows are on screen (MainWindow.started)."""
    app = application()
    window = build_window(
        factory, actor, tz, worker_command=worker_command, central=central, registry=registry
    )
    if on_started is not None:
        window.started.connect(on_started, Qt.ConnectionType.SingleShotConnection)
    if not window.geometry_restored:
        window.resize(1280, 800)
    window.show()
    window.start(offer_demo)
    return app.exec()
