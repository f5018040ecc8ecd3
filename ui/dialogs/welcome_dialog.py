"""The first day: who you are (as replies are signed) and, on an empty workspace, the demo.

Non-blocking: it opens beside the window (`show()`, not `exec()`), and "Later"
leaves the login name in place until the next start asks again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from services import demo
from services.workspace import users
from services.workspace.actor import Actor
from ui.context import UiContext


class WelcomeDialog(QDialog):
    done_ = Signal(object)
    """Saved: the updated Actor (or the old one if only the demo was loaded)."""
    demo_loaded = Signal()
    """The demo workspace is in: lists and counts should load again."""

    def __init__(self, ctx: UiContext, offer_demo: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setWindowTitle("Welcome to Front Counter")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._ctx = ctx
        actor = ctx.actor
        intro = QLabel(
            f"You are signed in as <b>{actor.name}</b>. Replies are signed with your name "
            "and collar number: say how they should read."
        )
        intro.setWordWrap(True)
        self.display_name = QLineEdit(
            "" if actor.display_name == actor.name else actor.display_name
        )
        self.display_name.setObjectName("welcome_display_name")
        self.display_name.setPlaceholderText("e.g. PC Dana Hughes")
        self.display_name.setAccessibleName("Your name as replies are signed")
        self.collar = QLineEdit(actor.collar_number or "")
        self.collar.setObjectName("welcome_collar")
        self.collar.setPlaceholderText("e.g. 4471")
        self.collar.setAccessibleName("Collar number")
        self.load_demo = QCheckBox("Load the demo workspace to try things out (synthetic people)")
        self.load_demo.setObjectName("welcome_demo")
        self.load_demo.setChecked(offer_demo)
        self.load_demo.setVisible(offer_demo)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("Your name:", self.display_name)
        form.addRow("Collar number:", self.collar)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.later_button = buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.load_demo)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        # Wide enough that the wrapped introduction is read in whole lines, not clipped.
        self.setMinimumWidth(460)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

    def save(self) -> None:
        name, collar = self.display_name.text().strip(), self.collar.text().strip()
        want_demo = self.load_demo.isVisible() and self.load_demo.isChecked()
        f, actor = self._ctx.factory, self._ctx.actor
        if not name and not want_demo:
            self.error.setText("Give your name as replies should be signed, or choose Later.")
            self.error.show()
            return
        self.save_button.setEnabled(False)
        self.error.hide()  # an earlier "give your name" no longer applies

        def work() -> tuple[Actor, bool]:
            updated = users.set_own_profile(f, actor, name, collar) if name else actor
            loaded = demo.load(f).loaded if want_demo else False
            return updated, loaded

        def done(result: tuple[Actor, bool]) -> None:
            updated, loaded = result
            if loaded:
                self.demo_loaded.emit()
            self.done_.emit(updated)
            self.accept()

        def failed(exc: Exception) -> None:
            self.save_button.setEnabled(True)
            self.error.setText(str(exc))
            self.error.show()

        self._ctx.jobs.run("welcome.save", work, done, failed)
