"""Edit › Settings shows the central configuration: IT's locked settings greyed, with the reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from console import config_file

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from ui.main_window import MainWindow

pytestmark = pytest.mark.qt

SYSTEM = """\
database_url = "postgresql://fc:s3cret@db.northvale.example/frontcounter"
http_proxy = "http://proxy.northvale.example:3128"
force_name = "Northvale Police"
demo_allowed = false
locked = ["database_url", "http_proxy", "demo_allowed"]
"""


@pytest.fixture
def central_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    system, user = tmp_path / "system.toml", tmp_path / "user" / "config.toml"
    system.write_text(SYSTEM)
    monkeypatch.setenv(config_file.SYSTEM_FILE_ENV, str(system))
    monkeypatch.setenv(config_file.USER_FILE_ENV, str(user))
    return system, user


def test_locked_settings_are_greyed_with_the_reason_and_the_rest_are_saved(
    qtbot: QtBot, central_files: tuple[Path, Path]
) -> None:
    from PySide6.QtWidgets import QCheckBox, QLineEdit

    from console.context import central_config
    from ui.dialogs.settings_dialog import SettingsDialog

    system, user = central_files
    dialog = SettingsDialog(central_config())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    page = dialog.central_page

    for locked in ("database_url", "http_proxy", "demo_allowed"):
        editor = page.editors[locked]
        assert not editor.isEnabled(), locked
        note = page.notes[locked].text()
        assert "Locked by your IT department" in note and str(system) in note
    url = page.editors["database_url"]
    assert isinstance(url, QLineEdit) and "s3cret" not in url.text()  # the password stays hidden
    demo = page.editors["demo_allowed"]
    assert isinstance(demo, QCheckBox) and not demo.isChecked()
    force = page.editors["force_name"]
    assert isinstance(force, QLineEdit) and force.isEnabled()
    assert force.text() == "Northvale Police"
    assert page.notes["force_name"].text() == f"From system file {system}."
    dialog.grab().save("/tmp/settings-dialog.png")

    number = page.editors["non_emergency_number"]
    assert isinstance(number, QLineEdit) and number.isEnabled()
    number.setText("0300 123 4567")
    dialog.save_button.click()

    assert not dialog.isVisible()
    saved = config_file.load()
    assert saved.values["non_emergency_number"].value == "0300 123 4567"
    assert saved.values["non_emergency_number"].source == f"user file {user}"
    assert saved.values["database_url"].source == f"system file {system}"  # untouched


def test_a_locked_setting_cannot_be_saved_whatever_the_form_says(
    qtbot: QtBot, central_files: tuple[Path, Path]
) -> None:
    from console.context import central_config
    from services.errors import KnownError
    from ui.dialogs.settings_dialog import SettingsDialog

    central = central_config()
    assert central.save is not None
    with pytest.raises(KnownError, match="locked by your IT department"):
        central.save({"http_proxy": None})
    _, user = central_files
    assert not user.exists()

    dialog = SettingsDialog(central)
    qtbot.addWidget(dialog)
    editor = dialog.central_page.editors["http_proxy"]
    editor.setEnabled(True)  # even if the greyed field were somehow edited
    assert "http_proxy" not in dialog.central_page.changes()


def test_edit_settings_opens_the_dialog_from_the_menu(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    from PySide6.QtWidgets import QMenu

    from ui.dialogs.settings_dialog import SettingsDialog

    window = make_window()
    edit = next(m for m in window.menuBar().actions() if m.text().strip("&") == "Edit")
    action = window.actions_.actions["settings"]
    menu = edit.menu()
    assert isinstance(menu, QMenu) and action in menu.actions()
    action.trigger()
    qtbot.waitUntil(lambda: window.findChild(SettingsDialog) is not None, timeout=5000)
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    dialog.close()
