"""Keys pressed on a real X server reach the right action (the path pytest-qt's keyClick skips).

Xvfb runs on a display of its own, the window runs in a child process with the xcb
platform (tests/ui/xserver_app.py), and xdotool presses keys through XTest exactly as a
keyboard would, so Qt's key mapper and shortcut map do their real work: a shortcut
that two bindings answer shows here as "Ambiguous shortcut overload" and no effect.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import UNDER_CI

ROOT = Path(__file__).resolve().parents[2]
FIRST_DISPLAY = 187  # far from :0/:1 and from the :99 that CI images like to use
TOOLS = ("Xvfb", "xdotool", "setxkbmap")


def _missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


@pytest.fixture
def x_display(tmp_path: Path) -> Iterator[str]:
    missing = _missing_tools()
    if missing:
        message = f"{', '.join(missing)} not installed (bash .ci/system-packages test)"
        if UNDER_CI:
            pytest.fail(message + " (CI=true: this test may not be skipped)")
        pytest.skip(message)
    for number in range(FIRST_DISPLAY, FIRST_DISPLAY + 40):
        if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        server = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", "1024x700x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"xvfb-{number}.log").open("wb"),
        )
        socket = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + 20
        while server.poll() is None and not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if server.poll() is None and socket.exists():
            break
        server.kill()  # another server took this display between our check and its start
        server.wait()
    else:
        pytest.fail("no free X display for Xvfb")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


class App:
    """The window's child process and the lines it reports."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, wanted: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        """The first reported line (since the last wait) that satisfies `wanted`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                raise AssertionError(f"no {what} within {timeout:.0f} s; saw {self.lines[-30:]}")
            try:
                line = self._queue.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            self.lines.append(line)
            if line.startswith("qt ") and "Ambiguous" in line:
                raise AssertionError(f"{line[3:]} (while waiting for {what})")
            if wanted(line):
                return line


def press(display: str, *keys: str) -> None:
    subprocess.run(["xdotool", "key", "--delay", "40", *keys], env=_x_env(display), check=True)


def _x_env(display: str) -> dict[str, str]:
    return {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}


@pytest.mark.parametrize("layout", ["us", "gb"])
def test_symbol_shortcuts_and_escape_work_from_a_real_keyboard(
    x_display: str, sqlite_url: str, tmp_path: Path, layout: str
) -> None:
    subprocess.run(["setxkbmap", "-display", x_display, layout], check=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.xserver_app", sqlite_url, str(tmp_path / "qt.ini")],
        cwd=ROOT,
        env=_x_env(x_display),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app = App(process)
    try:
        app.wait_for(lambda line: line == "ready", "ready window", timeout=60)

        # ?: the cheat-sheet opens; Esc closes it and the list has the keys again.
        press(x_display, "question")
        app.wait_for(lambda line: line == "shown cheat_sheet", "cheat-sheet on ?")
        press(x_display, "Escape")
        app.wait_for(lambda line: line == "focus item_list", "focus back in the list")

        # j: the next item.
        press(x_display, "j")
        first = app.wait_for(lambda line: line.startswith("current "), "next item on j")
        app.wait_for(lambda line: line.startswith(f"shows {first.split()[1]} "), "it is shown")

        # !: the escalation dialog; Esc cancels it.
        press(x_display, "exclam")
        app.wait_for(lambda line: line == "shown EscalateDialog", "escalation dialog on !")
        # A person presses Esc once the dialog has the keyboard; before that X sends it elsewhere.
        app.wait_for(lambda line: line == "focus escalate_target", "the dialog takes the keyboard")
        press(x_display, "Escape")
        app.wait_for(lambda line: line == "focus item_list", "focus back in the list")

        # #: the item is marked spam.
        press(x_display, "numbersign")
        app.wait_for(lambda line: line == "status 1 item(s) marked spam — Z to undo", "spam on #")
        shown = app.wait_for(lambda line: line.startswith("shows "), "the next item shown")
        while not shown.endswith(" replyable"):  # a feed item has nobody to reply to
            press(x_display, "j")
            shown = app.wait_for(lambda line: line.startswith("shows "), "the next item shown")

        # r, type, Esc: the draft keeps its text and j moves in the list again.
        press(x_display, "r")
        app.wait_for(lambda line: line == "focus reply_editor", "composer on r")
        press(x_display, "o", "k")
        app.wait_for(lambda line: line == "draft ok", "typed draft")
        press(x_display, "Escape")
        app.wait_for(lambda line: line == "focus item_list", "Esc leaves the composer")
        press(x_display, "j")
        after = app.wait_for(lambda line: line.startswith("current "), "next item after Esc")
        assert after != f"current {shown.split()[1]}"
        assert "draft okj" not in app.lines
    finally:
        process.terminate()
        process.wait(timeout=20)
    app.lines.extend(_drain(app))
    problems = [line for line in app.lines if line.startswith("qt ") and "Ambiguous" in line]
    assert problems == []


def _drain(app: App) -> list[str]:
    out = []
    while True:
        try:
            out.append(app._queue.get_nowait())
        except queue.Empty:
            return out
