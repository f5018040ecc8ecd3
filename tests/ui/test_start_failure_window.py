"""A desktop started from the applications menu, with no terminal, says why it cannot start.

The console's stderr goes nowhere a person sees then, so the reason comes in a window; on a
terminal, or where nothing is drawn for anyone, it stays on stderr alone.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from console import gui
from tests.ui.test_xserver_keys import ROOT, _x_env, x_display  # noqa: F401 (the fixture)
from ui.start_failure import TITLE


def test_a_start_without_a_terminal_shows_the_reason_in_a_window(
    x_display: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    missing = tmp_path / "moved" / "front-counter.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "--db", str(missing)],
        cwd=ROOT,
        env=_x_env(x_display),
        stdin=subprocess.DEVNULL,  # as a menu launch gives: no terminal
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--name", TITLE],
            env=_x_env(x_display),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        window = found.stdout.split()[0]
        assert process.poll() is None, "the window waits for the person to read it"
        subprocess.run(
            ["xdotool", "windowfocus", "--sync", window, "key", "Return"],
            env=_x_env(x_display),
            check=True,
            timeout=30,
        )
        assert process.wait(timeout=30) == 1
    finally:
        process.kill()
        process.wait()
    assert process.stderr is not None
    assert f"no database at {missing}" in process.stderr.read()  # and the log keeps it too


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_reason_stays_on_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    message = "no database at /x.db"
    assert gui.tell_start_failure(message, _Terminal(), _Terminal()) is False
    # Typed at a terminal with stderr sent to a file: the person still reads the terminal.
    assert gui.tell_start_failure(message, _Terminal(), io.StringIO()) is False


def test_offscreen_no_window_waits_for_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert gui.tell_start_failure("no database at /x.db", io.StringIO(), io.StringIO()) is False
