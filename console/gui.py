"""The desktop launcher and the offscreen screenshot command (Qt is imported only here)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from console import platform_os, settings, startup_gc

if TYPE_CHECKING:
    from services.store.db import SessionFactory

# The desktop's views by key (ui/panes/sidebar.py VIEWS; a test keeps the two in step).
VIEW_KEYS = (
    "inbox",
    "mine",
    "review",
    "returned",
    "failed",
    "escalated",
    "snoozed",
    "done",
    "spam",
    "all",
)


def launch(args: argparse.Namespace) -> int:
    if not platform_os.has_display():
        print(
            "error: no display found (DISPLAY is not set). Run it on a desktop, or "
            "`front-counter screenshot --out shot.png` to render the window offscreen."
        )
        return 1
    problem = xcb_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from console.context import central_config, open_context
    from services.workspace.users import resolve_actor

    # The database's work comes before Qt loads: PySide6's import hook is not yet there to
    # look at each of the driver's, the dialect's and the SQL compiler's modules as they
    # import (PostgreSQL: some 150; 44 million fewer instructions to the first rows).
    ctx = open_context(settings.database_url(args.db), settings.timezone_name())
    try:
        actor = resolve_actor(ctx.factory, settings.acting_user(args.user))
        # First day: an empty workspace opens on the demo (so a new user sees a realistic inbox),
        # and the welcome dialog asks who is at the keyboard.
        load_demo_on_first_start(ctx.factory)
        from ui import app  # Qt loads only for the GUI

        return app.run(
            ctx.factory,
            actor,
            ctx.tz,
            worker_command(ctx.engine.url),
            central=central_config(),  # the settings dialog's rows, IT's locks decided here
            registry=ctx.registry,
            on_started=lambda: startup_gc.resume(freeze=True),
        )
    finally:
        ctx.close()


def tell_start_failure(
    message: str, stdin: TextIO | None = None, stderr: TextIO | None = None
) -> bool:
    """Show why the desktop could not start in a window, when nobody will read the console:
    started from the applications menu, neither stdin nor stderr is a terminal (a terminal
    start with stderr sent to a file still has its stdin there). Returns whether it showed one.
    """
    at_terminal = (stdin or sys.stdin).isatty() or (stderr or sys.stderr).isatty()
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if at_terminal or not platform_os.has_display() or platform.startswith(UNSEEN_PLATFORMS):
        return False
    if xcb_problem():
        return False  # Qt cannot open a window here; the console has said why
    from ui import start_failure

    start_failure.show(message)
    return True


# Qt platforms that draw where nobody sees: a failure window there would wait for ever.
UNSEEN_PLATFORMS = ("offscreen", "minimal")


def load_demo_on_first_start(factory: SessionFactory) -> bool:
    """Load the demo into an empty workspace unless IT forbids it (config `demo_allowed`)."""
    from services import demo

    if not settings.demo_allowed() or not demo.is_empty_workspace(factory):
        return False
    demo.load(factory)
    return True


# Debian 12 packages of the libraries Qt's X11 (xcb) platform plugin links, by file name.
XCB_PACKAGES = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def xcb_problem() -> str | None:
    """Why Qt's X11 platform cannot load here, as the apt-get line that fixes it; None if it can.

    Qt aborts the process when the plugin's libraries are missing, and its message names
    libxcb-cursor0 whatever is really missing (often libxcb-icccm4 and libxcb-keysyms1).
    """
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not os.environ.get("DISPLAY") or (platform and not platform.startswith("xcb")):
        return None
    spec = importlib.util.find_spec("PySide6")
    ldd = shutil.which("ldd")
    if spec is None or not spec.submodule_search_locations or ldd is None:
        return None  # nothing to inspect: let Qt speak for itself
    plugin = Path(spec.submodule_search_locations[0], "Qt", "plugins", "platforms", "libqxcb.so")
    if not plugin.exists():
        return None
    listing = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, check=False)
    return apt_advice(missing_libraries(listing.stdout))


def missing_libraries(ldd_output: str) -> list[str]:
    """The file names ldd reports as "not found", in its order, once each."""
    found = (line.split("=>")[0].strip() for line in ldd_output.splitlines() if "not found" in line)
    return list(dict.fromkeys(found))


def apt_advice(missing: list[str]) -> str | None:
    if not missing:
        return None
    packages = list(dict.fromkeys(XCB_PACKAGES[lib] for lib in missing if lib in XCB_PACKAGES))
    unknown = [lib for lib in missing if lib not in XCB_PACKAGES]
    lines = [
        "error: the window cannot open: Qt's X11 support needs libraries this system lacks "
        f"({', '.join(missing)})."
    ]
    if packages:
        lines.append(
            "Install them with:  sudo apt-get install -y --no-install-recommends "
            + " ".join(packages)
        )
    if unknown:
        lines.append(f"Also install the packages that provide: {', '.join(unknown)}")
    return "\n".join(lines)


def worker_command(url: object) -> list[str] | None:
    """Single-user (SQLite) mode runs the sync worker as our child; a team runs it as a service."""
    from sqlalchemy.engine import URL

    assert isinstance(url, URL)
    if url.get_backend_name() != "sqlite":
        return None
    return [
        *platform_os.self_command(),
        "--db",
        str(url.database),
        "sync",
        "--watch",
        "--progress",
        "--exit-with-parent",
        str(os.getpid()),
    ]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "screenshot",
        help="render the main window offscreen to a PNG",
        description="Render the main window (or the report view) offscreen to a PNG.",
        epilog="Example: front-counter screenshot --out inbox.png --size 1920x1080 --theme dark",
    )
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--view", default="inbox", choices=VIEW_KEYS, help="the view to show")
    p.add_argument("--size", default="1280x800", help="WIDTHxHEIGHT")
    p.add_argument("--theme", choices=("light", "dark"), default="light")
    p.add_argument("--reports", action="store_true", help="capture the Reports view")
    p.add_argument("--search", default="", help="a search to run first")
    p.add_argument("--compose", default="", help="text to type into the reply composer")
    p.add_argument("--cheatsheet", action="store_true", help="capture the shortcut cheat-sheet")
    p.set_defaults(run=cmd_screenshot, gui=True)


def _parse_size(text: str) -> tuple[int, int]:
    from services.errors import InvalidInput

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
    from services.workspace.actor import Actor
    from ui import app

    assert isinstance(ctx, AppContext) and isinstance(actor, Actor)
    width, height = _parse_size(args.size)
    load_demo_on_first_start(ctx.factory)
    qsettings = QSettings(str(args.out.with_suffix(".ini")), QSettings.Format.IniFormat)
    qsettings.setValue("view/last", args.view)
    qsettings.setValue("display/theme", args.theme)
    window = app.build_window(ctx.factory, actor, ctx.tz, qsettings, registry=ctx.registry)
    window.resize(width, height)
    window.show()
    window.start()
    window.jobs.wait_until_idle()
    if args.search:
        window.search_bar.run(args.search)
        window.jobs.wait_until_idle()
    if args.compose:
        window.composer.editor.setPlainText(args.compose)
        window.jobs.wait_until_idle()
    target: QWidget = window
    if args.cheatsheet:
        window.dialogs.show_cheat_sheet()
        QApplication.processEvents()
        target = QApplication.activeModalWidget() or window
    if args.reports:
        target = window.dialogs.show_reports()
        target.resize(width, height)
        window.jobs.wait_until_idle()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    ok = target.grab().save(str(args.out))
    window.stop_live_updates()
    Path(str(args.out.with_suffix(".ini"))).unlink(missing_ok=True)
    print(f"wrote {args.out}" if ok else f"error: could not write {args.out}")
    return 0 if ok else 1
