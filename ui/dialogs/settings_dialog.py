"""Settings: the central configuration, with what IT locked greyed out and the reason given.

The rows and the lock decision come from the composition root (console/context.py
central_config, from console/config_file.py); this dialog only shows them and hands the
person's changes back to be written to their own file.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from services.errors import KnownError
from services.workspace.site_config import CentralConfig, CentralSetting


def _label(setting: CentralSetting) -> str:
    return setting.description[:1].upper() + setting.description[1:]


class CentralPage(QWidget):
    """One row per setting: its value (editable unless locked), where it came from, the lock."""

    def __init__(self, central: CentralConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_central")
        self._central = central
        self.editors: dict[str, QLineEdit | QCheckBox] = {}
        self.notes: dict[str, QLabel] = {}
        outer = QVBoxLayout(self)
        intro = QLabel(
            "What your force's IT sets for every desktop, and your own choices. Greyed "
            "settings are locked by IT, each with the reason. Changes are saved to "
            f"<code>{central.where or 'your settings file'}</code> and apply the next time "
            "Front Counter starts."
        )
        intro.setWordWrap(True)
        outer.addWidget(intro)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(12)
        self._grid.setVerticalSpacing(2)
        self._grid.setColumnStretch(1, 1)
        outer.addLayout(self._grid)
        outer.addStretch(1)
        self.show_settings(central.settings)

    def show_settings(self, settings: tuple[CentralSetting, ...]) -> None:
        self._settings = {s.name: s for s in settings}
        for row, setting in enumerate(settings):
            name_label = QLabel(_label(setting))
            editor = self._editor(setting)
            note = QLabel(self._note(setting))
            note.setObjectName(f"setting_note_{setting.name}")
            note.setWordWrap(True)
            note.setContentsMargins(0, 0, 0, 8)
            font = note.font()
            font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
            font.setBold(setting.locked)  # the reason stays readable beside the greyed field
            note.setFont(font)
            if setting.locked:
                name_label.setEnabled(False)
                editor.setToolTip(setting.locked_reason or "")
            name_label.setBuddy(editor)
            self._grid.addWidget(name_label, row * 2, 0, Qt.AlignmentFlag.AlignVCenter)
            self._grid.addWidget(editor, row * 2, 1)
            self._grid.addWidget(note, row * 2 + 1, 1)
            self.editors[setting.name] = editor
            self.notes[setting.name] = note

    def _editor(self, setting: CentralSetting) -> QLineEdit | QCheckBox:
        editor: QLineEdit | QCheckBox
        if setting.is_flag:
            editor = QCheckBox("Yes")
            editor.setChecked(setting.value is True)
        else:
            # Shown as `config show` shows it: a password in a database URL stays hidden.
            editor = QLineEdit(setting.shown if setting.value is not None else "")
            editor.setPlaceholderText("(not set)")
        editor.setObjectName(f"setting_{setting.name}")
        editor.setAccessibleName(_label(setting))
        editor.setEnabled(not setting.locked)
        return editor

    @staticmethod
    def _note(setting: CentralSetting) -> str:
        reason = setting.locked_reason
        if reason:
            return f"{reason[:1].upper()}{reason[1:]}."
        return f"From {setting.source}."

    def changes(self) -> dict[str, str | bool | None]:
        """What the person changed, by setting name (None: cleared)."""
        found: dict[str, str | bool | None] = {}
        for name, editor in self.editors.items():
            setting = self._settings[name]
            if setting.locked:
                continue
            if isinstance(editor, QCheckBox):
                if editor.isChecked() != (setting.value is True):
                    found[name] = editor.isChecked()
                continue
            text = editor.text().strip()
            before = setting.shown if setting.value is not None else ""
            if text != before:
                found[name] = text or None
        return found


class SettingsDialog(QDialog):
    def __init__(self, central: CentralConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self.setWindowTitle("Settings")
        self._central = central
        self.tabs = QTabWidget()
        self.central_page = CentralPage(central)
        self.tabs.addTab(self.central_page, "Configuration")
        self.error = QLabel("")
        self.error.setObjectName("settings_error")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(central.save is not None)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(720, 560)

    def save(self) -> None:
        changes = self.central_page.changes()
        if not changes:
            self.accept()
            return
        if self._central.save is None:
            return
        try:
            self._central.save(changes)
        except KnownError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()


def show_settings(parent: QWidget, central: CentralConfig) -> SettingsDialog:
    """Edit › Settings: opens beside the window (not modal to the whole application)."""
    dialog = SettingsDialog(central, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
