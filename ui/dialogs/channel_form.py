"""Add or edit one channel: a form drawn from the kind's fields as services declare them.

Secrets are typed hidden and go to the keyring through services.channels.setup,
the same calls `channel add` and `channel edit` make; a stored secret is never
shown again (editing shows "stored — type to replace"). A Mastodon channel can
get its token by signing in: the server's authorize page opens in the browser
and the officer pastes the code it shows (services/channels/mastodon_oauth.py).
Everything that touches the network or the keyring runs on the job pool.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from services.channels import forms, mastodon_oauth
from services.channels import setup as channels_setup
from ui.context import UiContext

STORED = "stored — type to replace"


class ChannelFormDialog(QDialog):
    def __init__(
        self,
        ctx: UiContext,
        kind: str,
        parent: QWidget | None = None,
        current: channels_setup.ChannelSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.spec = forms.form(kind)
        self.current = current
        self.setObjectName("channel_form")
        verb = "Edit" if current else "Add"
        self.setWindowTitle(f"{verb} {self.spec.title} channel")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        summary = QLabel(self.spec.summary)
        summary.setWordWrap(True)
        layout.addWidget(summary)
        grid = QFormLayout()
        self.name = QLineEdit(current.name if current else "")
        self.name.setObjectName("field_name")
        self.name.setReadOnly(current is not None)
        self.name.setPlaceholderText("how officers see it, e.g. Force Mastodon")
        grid.addRow("Name", self.name)
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        self.labels: dict[str, QLabel] = {}
        for f in self.spec.fields:
            widget = self._input(f)
            label = QLabel(f.label + ("" if f.required else " (optional)"))
            label.setToolTip(f.help)
            self.labels[f.name] = label
            self.inputs[f.name] = widget
            if kind == "mastodon" and f.name == forms.SECRET:
                grid.addRow(label, self._with_sign_in(widget))
            else:
                grid.addRow(label, widget)
        self.every = QSpinBox()
        self.every.setObjectName("field_every")
        self.every.setRange(30, 24 * 3600)
        self.every.setSuffix(" s")
        self.every.setValue(current.poll_seconds if current else 300)
        grid.addRow("Poll every", self.every)
        layout.addLayout(grid)
        self.message = QLabel("")
        self.message.setObjectName("channel_form_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._auth: mastodon_oauth.Authorization | None = None
        self._follow_dependencies()

    # ---- building ------------------------------------------------------------------
    def _input(self, f: forms.Field) -> QLineEdit | QComboBox:
        stored = self.current.values.get(f.name, "") if self.current else ""
        if f.choices:
            box = QComboBox()
            box.addItems(list(f.choices))
            box.setCurrentText(stored or f.default)
            box.setObjectName(f"field_{f.name}")
            box.setToolTip(f.help)
            return box
        edit = QLineEdit(stored)
        edit.setObjectName(f"field_{f.name}")
        edit.setToolTip(f.help)
        edit.setPlaceholderText(f.placeholder)
        if f.secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            if self.current is not None and self.current.secret_stored:
                edit.setPlaceholderText(STORED)
        edit.textChanged.connect(self._follow_dependencies)
        return edit

    def _with_sign_in(self, token: QLineEdit | QComboBox) -> QWidget:
        box = QWidget()
        rows = QVBoxLayout(box)
        rows.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(token, 1)
        self.sign_in = QPushButton("Sign in…")
        self.sign_in.setObjectName("mastodon_sign_in")
        self.sign_in.setToolTip(
            "Open the server's sign-in page in the browser and get a token for Front Counter"
        )
        self.sign_in.clicked.connect(self.start_sign_in)
        top.addWidget(self.sign_in)
        rows.addLayout(top)
        code_row = QHBoxLayout()
        self.code = QLineEdit()
        self.code.setObjectName("mastodon_code")
        self.code.setPlaceholderText("after allowing the app, paste the code the server shows")
        self.code.setEnabled(False)
        self.use_code = QPushButton("Use code")
        self.use_code.setObjectName("mastodon_use_code")
        self.use_code.setEnabled(False)
        self.use_code.clicked.connect(self.finish_sign_in)
        code_row.addWidget(self.code, 1)
        code_row.addWidget(self.use_code)
        rows.addLayout(code_row)
        return box

    def _follow_dependencies(self) -> None:
        """A field asked only with another (an app secret with an app id) follows it."""
        typed = self.values()
        for f in self.spec.fields:
            if f.only_with is not None:
                on = f.applies(typed)
                self.inputs[f.name].setEnabled(on)
                self.labels[f.name].setEnabled(on)

    # ---- values --------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        out = {}
        for name, widget in self.inputs.items():
            text = widget.currentText() if isinstance(widget, QComboBox) else widget.text()
            out[name] = text.strip()
        return out

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    # ---- Mastodon sign-in ----------------------------------------------------------
    def start_sign_in(self) -> None:
        server = self.values().get("url", "")
        self._say(f"Registering Front Counter on {server}…")
        self.sign_in.setEnabled(False)
        self._ctx.jobs.run(
            "channel_form.sign_in",
            lambda: mastodon_oauth.begin(server),
            self._signed_in_started,
            self._failed,
        )

    def _signed_in_started(self, auth: mastodon_oauth.Authorization) -> None:
        self._auth = auth
        self.sign_in.setEnabled(True)
        self.code.setEnabled(True)
        self.use_code.setEnabled(True)
        self.code.setFocus()
        QDesktopServices.openUrl(QUrl(auth.url))
        self._say(
            "The server's page is open in your browser: sign in as the force's account, "
            "allow Front Counter, then paste the code it shows here."
        )

    def finish_sign_in(self) -> None:
        auth, code = self._auth, self.code.text()
        if auth is None:
            return
        self.use_code.setEnabled(False)
        self._ctx.jobs.run(
            "channel_form.token",
            lambda: mastodon_oauth.finish(auth, code),
            self._got_token,
            self._failed,
        )

    def _got_token(self, signed_in: mastodon_oauth.SignedIn) -> None:
        field = self.inputs[forms.SECRET]
        assert isinstance(field, QLineEdit)
        field.setText(signed_in.token)  # hidden (password echo); to the keyring on Save
        self.code.clear()
        self.code.setEnabled(False)
        self._say(f"Signed in as @{signed_in.acct}: the token goes to the keyring when you save.")

    def _failed(self, exc: Exception) -> None:
        self.sign_in.setEnabled(True)
        self.use_code.setEnabled(self._auth is not None)
        self.buttons.setEnabled(True)
        self._say(str(exc), error=True)

    # ---- saving --------------------------------------------------------------------
    def save(self) -> None:
        values, name, every = self.values(), self.name.text().strip(), self.every.value()
        factory, actor = self._ctx.factory, self._ctx.actor
        self.buttons.setEnabled(False)
        self._say("Saving…")
        if self.current is None:
            kind = self.spec.kind

            def work() -> object:
                return channels_setup.connect(factory, actor, kind, name, values, every)
        else:

            def work() -> object:  # an empty secret keeps the one stored (services decide)
                return channels_setup.edit(factory, actor, name, values, every)

        self._ctx.jobs.run("channel_form.save", work, lambda _view: self.accept(), self._failed)
