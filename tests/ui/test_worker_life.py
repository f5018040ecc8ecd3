"""The desktop's own sync worker: when it cannot start or dies, the window says so and offers Restart."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from services.channels.protocol import Registry
from services.store.db import SessionFactory
from services.workspace.users import find_user
from tests.ui.conftest import save_shot
from ui.app import build_window
from ui.main_window import MainWindow

# Stands in for `python -m console sync --watch --progress`: without a keyring it dies at
# start the way the real one does (a traceback on stderr, exit 1); with one it runs on.
FAKE_WORKER = """
import json, os, sys, time
if os.environ.get("FC_TEST_NO_KEYRING"):
    print("Traceback (most recent call last):", file=sys.stderr)
    print('  File "services/workspace/secrets.py", line 51, in backend', file=sys.stderr)
    print("keyring.errors.NoKeyringError: No recommended backend was available.", file=sys.stderr)
    sys.exit(1)
print(json.dumps({"event": "sync_started", "channel": "Force blog"}), flush=True)
while True:
    time.sleep(0.1)
"""


def _window(
    qtbot: QtBot, factory: SessionFactory, tmp_path: Path, *, registry: Registry
) -> MainWindow:
    settings = QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat)
    window = build_window(
        factory,
        find_user(factory, "d.hughes"),
        ZoneInfo("Europe/London"),
        settings,
        worker_command=[sys.executable, "-c", FAKE_WORKER],
        registry=registry,
    )
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


def test_a_worker_that_cannot_start_is_shown_with_its_reason_and_can_be_restarted(
    qtbot: QtBot,
    demo_factory: SessionFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    registry: Registry,
) -> None:
    monkeypatch.setenv("FC_TEST_NO_KEYRING", "1")
    window = _window(qtbot, demo_factory, tmp_path, registry=registry)
    banner = window.worker_banner
    try:
        window.start()
        qtbot.waitUntil(banner.isVisible, timeout=15_000)
        text = banner.label.text()
        assert "Channels are not being polled" in text
        assert "stopped (exit code 1)" in text
        assert "NoKeyringError: No recommended backend was available." in text
        assert "Traceback" not in text  # the full stderr is in the tooltip
        assert window.sync_label.text() == "Sync worker not running"
        banner.grab().save("/tmp/worker-died-banner.png")
        save_shot(window, "worker-died.png")

        # F9 does not pretend: it says the worker is being restarted (and it dies again).
        window.activateWindow()
        assert window.sync is not None
        with qtbot.waitSignal(window.sync.worker_died, timeout=15_000):
            qtbot.keyClick(window.list, Qt.Key.Key_F9)
            assert "polled now" not in window.status_label.text()
            assert "sync worker was not running" in window.status_label.text()
        assert banner.isVisible()

        monkeypatch.delenv("FC_TEST_NO_KEYRING")  # the keyring is unlocked now
        banner.restart_button.click()
        qtbot.waitUntil(lambda: window.sync_label.text() == "Syncing Force blog…", timeout=15_000)
        assert not banner.isVisible() and window.sync.is_running()
    finally:
        window.close()
    assert not banner.isVisible()  # closing the window stops the worker: that is no death


def test_a_worker_killed_while_running_is_reported(
    qtbot: QtBot, demo_factory: SessionFactory, tmp_path: Path, registry: Registry
) -> None:
    window = _window(qtbot, demo_factory, tmp_path, registry=registry)
    try:
        window.start()
        assert window.sync is not None
        qtbot.waitUntil(lambda: window.sync_label.text() == "Syncing Force blog…", timeout=15_000)
        os.kill(window.sync.process.processId(), signal.SIGKILL)  # e.g. the OOM killer
        qtbot.waitUntil(window.worker_banner.isVisible, timeout=15_000)
        assert "the sync worker crashed" in window.worker_banner.label.text()
        assert not window.progress.isVisible()
    finally:
        window.close()
