"""The desktop launcher and the offscreen screenshot command (Qt is imported only here)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from console import settings
from console.context import open_context
from services import demo
from services.errors import InvalidInput
from services.users import resolve_actor


def launch(args: argparse.Namespace) -> int:
    if (
        not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and not os.environ.get("QT_QPA_PLATFORM")
    ):
        print(
            "error: no display found (DISPLAY is not set). Run it on a desktop, or "
            "`front-counter screenshot --out shot.png` to render the window offscreen."
        )
        return 1
    from ui import app  # Qt loads only for the GUI

    ctx = open_context(settings.database_url(args.db), settings.timezone_name())
    try:
        actor = resolve_actor(ctx.factory, settings.acting_user(args.user))
        if demo.is_empty_workspace(ctx.factory):
            demo.load(ctx.factory)
        return app.run(ctx.factory, actor, ctx.tz, worker_command(ctx.engine.url))
    finally:
        ctx.close()


def worker_command(url: object) -> list[str] | None:
    """Single-user (SQLite) mode runs the sync worker as our child; a team runs it as a service."""
    from sqlalchemy.engine import URL

    assert isinstance(url, URL)
    if url.get_backend_name() != "sqlite":
        return None
    return [
        sys.executable,
        "-m",
        "console",
        "--db",
        str(url.database),
        "sync",
        "--watch",
        "--progress",
        "--exit-with-parent",
    ]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("screenshot", help="render the main window offscreen to a PNG")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument(
        "--view", default="inbox", help="inbox, mine, review, escalated, snoozed, done, spam, all"
    )
    p.add_argument("--size", default="1280x800", help="WIDTHxHEIGHT")
    p.add_argument("--search", default="", help="a search to run first")
    p.add_argument("--compose", default="", help="text to type into the reply composer")
    p.add_argument("--cheatsheet", action="store_true", help="capture the shortcut cheat-sheet")
    p.set_defaults(run=cmd_screenshot, gui=True)


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InvalidInput(f"--size {text!r}: use WIDTHxHEIGHT, e.g. 1280x800") from None
    return w, h


def cmd_screenshot(ctx: object, actor: object, args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QWidget

    from console.context import AppContext
    from services.users import Actor
    from ui import app

    assert isinstance(ctx, AppContext) and isinstance(actor, Actor)
    width, height = _parse_size(args.size)
    if demo.is_empty_workspace(ctx.factory):
        demo.load(ctx.factory)
    qsettings = QSettings(str(args.out.with_suffix(".ini")), QSettings.Format.IniFormat)
    qsettings.setValue("view/last", args.view)
    window = app.build_window(ctx.factory, actor, ctx.tz, qsettings)
    window.resize(width, height)
    window.show()
    window.start()
    settle(window)
    if args.search:
        window.search.setText(args.search)
        window._on_search_entered()
        settle(window)
    if args.compose:
        window.composer.editor.setPlainText(args.compose)
        settle(window)
    target: QWidget = window
    if args.cheatsheet:
        window.show_cheat_sheet()
        QApplication.processEvents()
        target = QApplication.activeModalWidget() or window
    args.out.parent.mkdir(parents=True, exist_ok=True)
    ok = target.grab().save(str(args.out))
    window.poller.timer.stop()
    window._ctx.jobs.wait()
    Path(str(args.out.with_suffix(".ini"))).unlink(missing_ok=True)
    print(f"wrote {args.out}" if ok else f"error: could not write {args.out}")
    return 0 if ok else 1


def settle(window: object, timeout: float = 20.0) -> None:
    """Process events until no background job has run for a few rounds."""
    from PySide6.QtWidgets import QApplication

    jobs = window._ctx.jobs  # type: ignore[attr-defined]  # MainWindow
    deadline = time.monotonic() + timeout
    idle_rounds = 0
    while time.monotonic() < deadline and idle_rounds < 5:
        QApplication.processEvents()
        jobs.wait(50)
        QApplication.processEvents()
        idle_rounds = idle_rounds + 1 if jobs.running == 0 else 0
