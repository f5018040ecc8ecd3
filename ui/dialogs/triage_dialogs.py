"""Small non-blocking dialogs for triage: tag, assign, escalate, snooze, note.

Each opens window-modal with open() and emits `submitted` with its value, so
the GUI thread never sits in a nested event loop and tests drive them like a user.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class _Dialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.layout_ = QVBoxLayout(self)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b3261e")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Typing goes here at once, whatever the window manager does (after the show completes).
        QTimer.singleShot(0, self.activateWindow)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(self.buttons)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _on_ok(self) -> None:
        raise NotImplementedError


class NameDialog(_Dialog):
    """One line of text, required: a name, a reason, a tag."""

    submitted = Signal(str)
    """The text typed, trimmed."""

    def __init__(
        self,
        title: str,
        suggestion: str = "",
        parent: QWidget | None = None,
        empty_error: str = "Give it a name.",
    ) -> None:
        super().__init__(title, parent)
        self._empty_error = empty_error
        self.edit = QLineEdit(suggestion)
        self.edit.setObjectName("name_input")
        self.edit.selectAll()
        self.edit.returnPressed.connect(self._on_ok)
        self.layout_.addWidget(self.edit)
        self.finish_layout()

    def _on_ok(self) -> None:
        text = self.edit.text().strip()
        if not text:
            self.show_error(self._empty_error)
            return
        self.submitted.emit(text)
        self.accept()


class TagDialog(NameDialog):
    """A tag name, existing tags completing as the officer types."""

    def __init__(self, existing: list[str], parent: QWidget | None = None) -> None:
        super().__init__("Tag", "", parent, empty_error="Type a tag name.")
        self.edit.setObjectName("tag_input")
        self.edit.setPlaceholderText("type a tag: existing ones complete as you type")
        completer = QCompleter(existing, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.edit.setCompleter(completer)


class AssignDialog(_Dialog):
    submitted = Signal(object)
    """A user name, or None to unassign."""

    def __init__(self, users: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__("Assign", parent)
        self.combo = QComboBox()
        self.combo.setObjectName("assign_combo")
        self.combo.addItem("Nobody (unassign)", None)
        for name, display in users:
            self.combo.addItem(f"{display} ({name})", name)
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.combo.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.layout_.addWidget(self.combo)
        self.finish_layout()

    def _on_ok(self) -> None:
        index = self.combo.findText(self.combo.currentText())
        if index < 0:
            self.show_error("Choose someone from the list.")
            return
        self.submitted.emit(self.combo.itemData(index))
        self.accept()


class EscalateDialog(_Dialog):
    submitted = Signal(object, object, str)
    """(to_user or None, to_team or None, reason)."""

    def __init__(
        self, users: list[tuple[str, str]], teams: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__("Escalate", parent)
        form = QFormLayout()
        self.target = QComboBox()
        self.target.setObjectName("escalate_target")
        for name, display in users:
            self.target.addItem(f"{display} ({name})", f"user:{name}")
        for team in teams:
            self.target.addItem(f"Team: {team}", f"team:{team}")
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("escalate_reason")
        self.reason.setPlaceholderText("Why? What does the person need to do?")
        self.reason.setTabChangesFocus(True)
        form.addRow("To", self.target)
        form.addRow("Reason", self.reason)
        self.layout_.addLayout(form)
        self.finish_layout()

    def _on_ok(self) -> None:
        reason = self.reason.toPlainText().strip()
        if not reason:
            self.show_error("Say why you are escalating: the reason is required.")
            return
        data = self.target.currentData()
        if not isinstance(data, str):
            self.show_error("Choose who to escalate to.")
            return
        kind, value = data.split(":", 1)
        self.submitted.emit(
            value if kind == "user" else None, value if kind == "team" else None, reason
        )
        self.accept()


def snooze_presets(now: datetime, tz: ZoneInfo) -> list[tuple[str, datetime]]:
    local = now.astimezone(tz)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(8), tz)
    monday = datetime.combine(local.date() + timedelta(days=7 - local.weekday()), time(8), tz)
    return [
        ("In 3 hours", now + timedelta(hours=3)),
        ("Tomorrow 08:00", tomorrow),
        ("Next Monday 08:00", monday),
    ]


class SnoozeDialog(_Dialog):
    submitted = Signal(object)
    """The aware datetime to wake the items."""

    def __init__(self, now: datetime, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__("Snooze until…", parent)
        self._tz = tz
        self._now = now
        row = QHBoxLayout()
        for label, when in snooze_presets(now, tz):
            button = QPushButton(label)
            button.clicked.connect(lambda _c=False, w=when: self._choose(w))
            row.addWidget(button)
        self.layout_.addLayout(row)
        self.when = QDateTimeEdit(QDateTime(now.astimezone(tz) + timedelta(days=1)))
        self.when.setObjectName("snooze_when")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("ddd dd MMM yyyy HH:mm")
        self.layout_.addWidget(self.when)
        self.finish_layout()

    def _choose(self, when: datetime) -> None:
        self.submitted.emit(when)
        self.accept()

    def _on_ok(self) -> None:
        chosen = self.when.dateTime().toPython()
        assert isinstance(chosen, datetime)
        when = chosen.replace(tzinfo=self._tz)
        if when <= self._now:
            self.show_error("Choose a time in the future.")
            return
        self._choose(when)


class NoteDialog(_Dialog):
    submitted = Signal(str)
    """The note's text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Internal note (never published)", parent)
        self.text = QPlainTextEdit()
        self.text.setObjectName("note_text")
        self.text.setTabChangesFocus(True)
        self.layout_.addWidget(self.text)
        self.finish_layout()

    def _on_ok(self) -> None:
        body = self.text.toPlainText().strip()
        if not body:
            self.show_error("The note is empty.")
            return
        self.submitted.emit(body)
        self.accept()


class ChoiceDialog(_Dialog):
    submitted = Signal(str)
    """The choice made."""

    def __init__(
        self, title: str, choices: list[tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(title, parent)
        self.combo = QComboBox()
        self.combo.setObjectName("choice_combo")
        for value, label in choices:
            self.combo.addItem(label, value)
        self.layout_.addWidget(self.combo)
        self.finish_layout()

    def _on_ok(self) -> None:
        value = self.combo.currentData()
        if not isinstance(value, str):
            self.show_error("Choose one.")
            return
        self.submitted.emit(value)
        self.accept()


class ReasonDialog(NameDialog):
    """Why an urgent item leaves the queue (done, snoozed, spam): kept in the audit trail."""

    def __init__(self, status: str, ids: list[int], parent: QWidget | None = None) -> None:
        which = ", ".join(f"#{i}" for i in ids[:5]) + (" …" if len(ids) > 5 else "")
        noun = "item" if len(ids) == 1 else "items"
        super().__init__(f"Reason for marking {status}", "", parent, empty_error="Give the reason.")
        self.edit.setObjectName("reason_input")
        self.edit.setPlaceholderText("e.g. called 999, caller safe; duplicate of #123")
        self.note = QLabel(
            f"Urgent {noun} {which}: say why it can be marked {status}. "
            "The reason is kept in the audit trail."
        )
        self.note.setWordWrap(True)
        self.layout_.insertWidget(0, self.note)
        self.setMinimumWidth(420)
