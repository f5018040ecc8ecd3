"""Start-up, timed wall-clock from outside: a new process until the Inbox shows its first rows.

`python -m bench.startup URL` is the probe: it does what `python -m console` does on start
(open the database and upgrade it, resolve the user, check for a first start, build the
window, show the last view, which is the Inbox) and prints `first-rows` once the list has
rows and has painted. The parent times from spawning it to reading that line. The bare
baseline is a process that imports sqlite3/psycopg and runs the bare Inbox page.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_PROBE = """
import sys
from datetime import datetime, UTC
from bench.bare import Bare, display_rows, inbox_page
b = Bare(sys.argv[1], sys.argv[2])
print("first-rows", len(display_rows(b, inbox_page(b, datetime.now(UTC)))), flush=True)
"""


def time_to_line(argv: list[str], marker: str = "first-rows", timeout: float = 120.0) -> float:
    """Seconds from spawning `argv` until it prints a line starting with `marker`."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(Path.cwd()))
    started = time.perf_counter()
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(marker):
                took = time.perf_counter() - started
                proc.kill()
                return took
            if time.perf_counter() - started > timeout:
                break
        proc.kill()
        err = proc.stderr.read() if proc.stderr else ""
    raise RuntimeError(f"{argv[:4]} never printed {marker!r}: {err[-800:]}")


def time_to_exit(argv: list[str]) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(Path.cwd()))
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - started


def compile_bytecode() -> None:
    """The app's modules compiled, as an installed app has them (pip and the package compile
    them; an editable install writes them on first start). With PYTHONDONTWRITEBYTECODE set
    nothing is ever written, and every start compiled 170 modules again: half a second."""
    import compileall

    root = Path(__file__).resolve().parent.parent
    for package in ("console", "ui", "services"):
        compileall.compile_dir(root / package, quiet=1)


def app_first_rows(url: str) -> float:
    compile_bytecode()
    return time_to_line([sys.executable, "-m", "bench.startup", url])


def bare_first_rows(url: str, dialect: str) -> float:
    return time_to_line([sys.executable, "-c", BARE_PROBE, url, dialect])


def help_start() -> tuple[float, float]:
    """(`python -m console --help`, `python -c pass`) wall-clock."""
    compile_bytecode()
    return (
        time_to_exit([sys.executable, "-m", "console", "--help"]),
        time_to_exit([sys.executable, "-c", "pass"]),
    )


def _probe(url: str) -> None:
    # In console/gui.py's order: the composition root and the database first, Qt with the
    # window's modules after. Once PySide6 is imported every later import passes through its
    # `__feature__` hook, which reads each new module's source: importing Qt first cost
    # 60-80 ms here.
    from console import startup_gc

    startup_gc.pause()  # as console/cli.py's main does first thing
    from console.context import open_context
    from services import demo
    from services.workspace.users import resolve_actor

    ctx = open_context(url, "Europe/London")
    actor = resolve_actor(ctx.factory, "bench")
    demo.is_empty_workspace(ctx.factory)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ui import app

    ini = Path(tempfile.mkdtemp()) / "bench.ini"
    qsettings = QSettings(str(ini), QSettings.Format.IniFormat)
    qsettings.setValue("view/last", "inbox")
    window = app.build_window(ctx.factory, actor, ctx.tz, qsettings, registry=ctx.registry)
    window.started.connect(lambda: startup_gc.resume(freeze=True))  # as console/gui.py does
    window.resize(1280, 800)
    window.show()
    window.start()
    deadline = time.monotonic() + 120
    while window.inbox.model.rowCount() == 0 and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.001)
    window.list.viewport().grab()
    print("first-rows", window.inbox.model.rowCount(), flush=True)
    os._exit(0)  # the parent has its figure; no orderly shutdown to wait for


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _probe(sys.argv[1])
