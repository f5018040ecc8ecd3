"""View › Channels…: every channel with its state; add, edit, test, pause and remove.

The list is channels_admin.list_channels (what `channel list` prints); Test is
`channel test` (channels_setup.test) on the job pool, never on the GUI thread.
What an officer may do here is the services' rule (Permission.MANAGE): the
buttons only follow it.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from services.channels import admin as channels_admin
from services.channels import forms
from services.channels import setup as channels_setup
from services.workspace.actor import Permission
from ui.context import UiContext
from ui.dialogs.channel_form import ChannelFormDialog

COLUMNS = ("Name", "Kind", "State", "Last sync", "Next poll", "Details")
STATE_TEXT = {"ok": "OK", "syncing": "Syncing", "error": "Error", "rate_limited": "Rate limited"}


def _when(at: datetime | None, tz: object) -> str:
    if at is None:
        return "never"
    return at.astimezone(tz).strftime("%d %b %H:%M")  # type: ignore[arg-type]


class ChannelsDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setObjectName("channels")
        self.setWindowTitle("Channels")
        self.resize(940, 420)
        self.rows: list[channels_admin.ChannelView] = []
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("channels_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._follow_selection)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        layout.addWidget(self.table, 1)
        self.message = QLabel("")
        self.message.setObjectName("channels_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add…")
        self.add_button.setObjectName("channels_add")
        kinds = QMenu(self.add_button)
        for spec in forms.FORMS.values():
            action = kinds.addAction(spec.title)
            action.setObjectName(f"channels_add_{spec.kind}")
            action.triggered.connect(lambda _c=False, k=spec.kind: self.add(k))
        self.add_button.setMenu(kinds)
        self.edit_button = QPushButton("Edit…")
        self.test_button = QPushButton("Test")
        self.pause_button = QPushButton("Pause")
        self.remove_button = QPushButton("Remove…")
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        self.edit_button.clicked.connect(self.edit)
        self.test_button.clicked.connect(self.test)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.remove_button.clicked.connect(self.remove)
        buttons.addWidget(self.add_button)
        for b, name in (
            (self.edit_button, "channels_edit"),
            (self.test_button, "channels_test"),
            (self.pause_button, "channels_pause"),
            (self.remove_button, "channels_remove"),
        ):
            b.setObjectName(name)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.manager = ctx.actor.can(Permission.MANAGE)
        self.add_button.setEnabled(self.manager)
        if not self.manager:
            self.message.setText("Only an admin can add, change or remove channels.")
        self._follow_selection()
        self.reload()

    # ---- the list ------------------------------------------------------------------
    def reload(self) -> None:
        factory = self._ctx.factory
        self._ctx.jobs.run(
            "channels.list", lambda: channels_admin.list_channels(factory), self.show_rows
        )

    def show_rows(self, rows: list[channels_admin.ChannelView]) -> None:
        chosen = self.selected()
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, c in enumerate(rows):
            state = STATE_TEXT.get(c.state, c.state) if c.enabled else "Paused"
            details = c.state_reason or ""
            if c.quarantined:
                details = f"{details}; {c.quarantined} held in quarantine".lstrip("; ")
            next_poll = _when(c.next_poll_at, self._ctx.tz) if c.enabled else "—"
            if c.state == "rate_limited" and c.next_poll_at is not None:
                next_poll = f"{next_poll} (platform's reset)"
            cells = (c.name, c.kind, state, _when(c.last_success_at, self._ctx.tz), next_poll)
            for col, text in enumerate((*cells, details)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if col == 2 and c.state == "error":
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(r, col, item)
            if chosen is not None and c.name == chosen.name:
                self.table.selectRow(r)
        self.table.resizeRowsToContents()
        self._follow_selection()

    def selected(self) -> channels_admin.ChannelView | None:
        row = self.table.currentRow()
        picked = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.rows[row] if picked and 0 <= row < len(self.rows) else None

    def select(self, name: str) -> None:
        for r, c in enumerate(self.rows):
            if c.name == name:
                self.table.selectRow(r)

    def _follow_selection(self) -> None:
        c = self.selected()
        for b in (self.edit_button, self.pause_button, self.remove_button):
            b.setEnabled(c is not None and self.manager)
        self.test_button.setEnabled(c is not None)
        self.pause_button.setText("Resume" if c is not None and not c.enabled else "Pause")

    # ---- actions -------------------------------------------------------------------
    def add(self, kind: str) -> ChannelFormDialog:
        form = ChannelFormDialog(self._ctx, kind, self)
        form.accepted.connect(self.reload)
        form.open()
        return form

    def edit(self) -> ChannelFormDialog | None:
        c = self.selected()
        if c is None or not self.manager:
            return None
        try:
            current = channels_setup.settings(self._ctx.factory, c.name)
            form = ChannelFormDialog(self._ctx, current.kind, self, current)
        except Exception as exc:  # a kind without a form (an old channel): say so
            self.message.setText(str(exc))
            return None
        form.accepted.connect(self.reload)
        form.open()
        return form

    def test(self) -> None:
        c = self.selected()
        if c is None:
            return
        name, factory, registry = c.name, self._ctx.factory, self._ctx.registry
        self.test_button.setEnabled(False)
        self.message.setText(f"Testing {name}…")

        def done(lines: list[str]) -> None:
            self.test_button.setEnabled(True)
            self.message.setText(f"{name}: " + "; ".join(lines))

        def failed(exc: Exception) -> None:
            self.test_button.setEnabled(True)
            self.message.setText(f"{name}: {exc}")

        self._ctx.jobs.run(
            "channels.test",
            lambda: channels_setup.test(factory, name, registry=registry),
            done,
            failed,
        )

    def toggle_pause(self) -> None:
        c = self.selected()
        if c is None:
            return
        try:
            channels_admin.set_enabled(self._ctx.factory, self._ctx.actor, c.name, not c.enabled)
        except Exception as exc:
            self.message.setText(str(exc))
        self.reload()

    def remove(self) -> None:
        c = self.selected()
        if c is None:
            return
        sure = QMessageBox.question(
            self,
            "Remove channel",
            f"Remove {c.name}, every item it brought in and its stored secret?",
        )
        if sure != QMessageBox.StandardButton.Yes:
            return
        try:
            channels_admin.remove_channel(self._ctx.factory, self._ctx.actor, c.name)
        except Exception as exc:
            self.message.setText(str(exc))
        self.reload()
