"""What differs between Linux, macOS and Windows, in one place.

Signals, parent processes, the display and how to start ourselves again behave
differently on each OS; the rest of the code asks this module instead of calling
`signal` or `os.getppid` itself (tests/unit/test_platform_calls.py keeps it so; file
locks for the services are in services/platform_os.py).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

WINDOWS = sys.platform == "win32"

StopHandler = Callable[[], None]


def is_frozen() -> bool:
    """True when running from the packaged bundle (PyInstaller) rather than a source checkout."""
    return bool(getattr(sys, "frozen", False))


def self_command() -> list[str]:
    """The argv prefix that runs this application's command line again (e.g. the sync worker).

    In the bundle the console executable is the command line (`-m console` would reach our
    own parser as a command name). The windowed launcher (front-counter-gui, console=False on
    Windows) has no standard output for the worker's progress: it runs the console one
    beside it instead.
    """
    if is_frozen():
        return [cli_executable(sys.executable)]
    return [sys.executable, "-m", "console"]


def cli_executable(running: str) -> str:
    """The bundle's console executable, beside `running` (which may be the windowed launcher)."""
    here = Path(running)
    console = here.with_name("front-counter.exe" if WINDOWS else "front-counter")
    return str(console) if console.exists() else running


def has_display(environ: Mapping[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Whether a window can open here.

    Windows and macOS always have their desktop; an X11 or Wayland session says so in the
    environment (or Qt is told a platform, e.g. offscreen).
    """
    if platform in ("win32", "darwin"):
        return True
    env = os.environ if environ is None else environ
    return any(env.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def on_stop_request(handler: StopHandler) -> None:
    """Call `handler` when the OS asks the process to stop (service stop, Ctrl+C, logout).

    POSIX: SIGTERM and SIGINT. Windows delivers no SIGTERM to a console program: Ctrl+C
    is SIGINT and Ctrl+Break (GenerateConsoleCtrlEvent, what service wrappers send) SIGBREAK.
    """

    def relay(_signum: int, _frame: object) -> None:
        handler()

    names = ("SIGINT", "SIGBREAK") if WINDOWS else ("SIGTERM", "SIGINT")
    for name in names:
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, relay)


def parent_pid() -> int:
    return os.getppid()


def parent_alive(parent: int) -> bool:
    """Whether the process that started us (by id) still runs.

    POSIX re-parents an orphan, so a changed parent id means the parent has gone. Windows
    never re-parents: there the parent's own process handle is asked.
    """
    if WINDOWS:
        return _windows_process_alive(parent)
    return os.getppid() == parent


def _windows_process_alive(pid: int) -> bool:  # pragma: no cover - runs on Windows only
    import ctypes

    access, still_active = 0x00100000 | 0x1000, 259  # SYNCHRONIZE | QUERY_LIMITED_INFORMATION
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]  # exists on Windows only
    handle = kernel32.OpenProcess(access, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
