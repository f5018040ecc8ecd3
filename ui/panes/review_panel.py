"""The supervisor's review panel: the proposed reply, editable, with a diff of any edit; approve or return."""

from __future__ import annotations

import difflib
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from services.answers import review
from services.workspace.actor import Permission
from services.workspace.changes import Changes
from ui.bidi import isolate
from ui.context import UiContext
from ui.dialogs.triage_dialogs import NameDialog

if TYPE_CHECKING:  # loaded with the first conversation, after the first rows
    from services.inbox.conversation import Conversation, ReplyView


def word_diff_html(before: str, after: str) -> str:
    """The reviewer's edit as HTML: removed words struck through in red, added words in green."""
    a, b = before.split(), after.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b).get_opcodes():
        if op in ("delete", "replace"):
            out.append(
                f"<span style='color:#b3261e; text-decoration:line-through'>{escape(' '.join(a[i1:i2]))}</span>"
            )
        if op in ("insert", "replace"):
            out.append(
                f"<span style='color:#146c2e; font-weight:bold'>{escape(' '.join(b[j1:j2]))}</span>"
            )
        if op == "equal":
            out.append(escape(" ".join(a[i1:i2])))
    return " ".join(out)


class ReviewPanel(QWidget):
    changes_applied = Signal(object)
    """A review decision changed the database: the Changes."""
    message = Signal(str)
    """Feedback for the status bar."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("review_panel")
        self._ctx = ctx
        self._reply: ReplyView | None = None
        self._unpublished: str | None = None
        self.heading = QLabel("")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("review_editor")
        self.editor.setMaximumHeight(120)
        self.diff = QLabel("")
        self.diff.setObjectName("review_diff")
        self.diff.setWordWrap(True)
        self.approve_button = QPushButton("Approve")
        self.approve_button.setToolTip("Approve the reply as shown (Ctrl+Enter)")
        self.approve_button.setObjectName("approve_reply")
        self.approve_button.setAccessibleName("Approve the reply")
        self.return_button = QPushButton("Return…")
        self.return_button.setToolTip("Send the reply back to its author with a reason")
        self.return_button.setAccessibleName("Return the reply to its author")
        self.heading.setWordWrap(True)
        self.heading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.return_button.setObjectName("return_reply")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.return_button)
        buttons.addWidget(self.approve_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.editor)
        layout.addWidget(self.diff)
        layout.addLayout(buttons)
        self.editor.textChanged.connect(self._on_edited)
        self.approve_button.clicked.connect(self.approve)
        self.return_button.clicked.connect(self.ask_return_reason)
        self.hide()

    @property
    def reply(self) -> ReplyView | None:
        return self._reply

    def set_conversation(self, conv: Conversation | None) -> None:
        waiting = [
            r
            for r in (conv.replies if conv else ())
            if r.state == "in_review" and r.author_id != self._ctx.actor.id
        ]
        if not waiting or not self._ctx.actor.can(Permission.REVIEW):
            self._reply = None
            self.hide()
            return
        reply = waiting[0]
        # Said on approval: where nothing is published (demo data), the approval must not claim it.
        self._unpublished = (
            None
            if conv is None or conv.reply_capability.publishes
            else conv.reply_capability.reason
        )
        if self._reply is not None and self._reply.id == reply.id:
            return  # keep the reviewer's unsaved edit
        self._reply = reply
        self.heading.setText(
            f"<b>Review</b> — reply by {escape(isolate(reply.author))}, waiting for your decision"
        )
        self.editor.setPlainText(reply.body)
        self.diff.hide()
        self.show()

    def _on_edited(self) -> None:
        if self._reply is None:
            return
        text = self.editor.toPlainText()
        edited = text != self._reply.body
        self.diff.setVisible(edited)
        self.approve_button.setText(
            "Approve with my edit  (Ctrl+Enter)" if edited else "Approve  (Ctrl+Enter)"
        )
        if edited:
            self.diff.setText("Your edit: " + word_diff_html(self._reply.body, text))

    def approve(self) -> None:
        if self._reply is None or not self.isVisible():
            return
        reply_id, text, ctx = self._reply.id, self.editor.toPlainText(), self._ctx
        edited = text if text != self._reply.body else None
        self._run(
            lambda: review.approve(ctx.factory, ctx.actor, reply_id, edited, registry=ctx.registry),
            "Reply approved"
            + (" with your edit" if edited else "")
            + (
                f" — {self._unpublished}"
                if self._unpublished
                else ": it goes out with the next sync"
            ),
        )

    def ask_return_reason(self) -> None:
        if self._reply is None:
            return
        dialog = NameDialog(
            "Why does this reply go back?", "", self.window(), empty_error="Say why it goes back."
        )
        dialog.setObjectName("return_reason_dialog")
        dialog.submitted.connect(self.return_with_reason)
        dialog.open()

    def return_with_reason(self, reason: str) -> None:
        if self._reply is None:
            return
        reply_id, ctx = self._reply.id, self._ctx
        self._run(
            lambda: review.return_reply(ctx.factory, ctx.actor, reply_id, reason),
            "Reply returned to its author",
        )

    def _run(self, work: object, done_text: str) -> None:
        def done(changes: Changes) -> None:
            self._reply = None
            self.hide()
            self.message.emit(done_text)
            self.changes_applied.emit(changes)

        self._ctx.jobs.run("review", work, done, lambda exc: self.message.emit(str(exc)))  # type: ignore[arg-type]
