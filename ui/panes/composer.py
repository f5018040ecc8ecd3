"""The reply composer: per-channel limit with a live counter, saved replies, autosaved drafts.

At its top (ui/panes/reply_watch.py): who else is replying to the item, and replies
already on their way; focusing the editor tells the others this person is replying.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from services.answers import replies
from services.workspace.actor import Permission
from services.workspace.changes import Changes
from ui.context import UiContext
from ui.panes.reply_watch import ReplyWatch

if TYPE_CHECKING:  # loaded with the first conversation, after the first rows
    from services.inbox.conversation import Conversation

AUTOSAVE_MS = 1200
EDITABLE = ("draft", "returned")


class Composer(QWidget):
    changes_applied = Signal(object)
    """A reply was saved or submitted: the Changes it made."""
    message = Signal(str)
    """Something to tell the user in the status bar."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self._ctx = ctx
        self._item_id: int | None = None
        self._channel_kind = ""
        self._reply_id: int | None = None
        self._loading = False
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("reply_editor")
        self.editor.setPlaceholderText("Write a reply… (saved as a draft as you type)")
        self.editor.setMaximumHeight(150)
        self.editor.installEventFilter(self)
        self.watch = ReplyWatch(ctx)
        self.counter = QLabel("")
        self.counter.setObjectName("reply_counter")
        self.saved = QComboBox()
        self.saved.setObjectName("saved_replies")
        self.saved.setMinimumWidth(180)
        # On an urgent item: the saved reply the force chose for it, one click away.
        self.urgent_reply = QPushButton("Use the urgent reply")
        self.urgent_reply.setObjectName("use_urgent_reply")
        self.urgent_reply.setStyleSheet("color: #8c1d18; font-weight: bold")
        self.urgent_reply.hide()
        self._urgent_template: str | None = None
        self.state = QLabel("")
        self.state.setObjectName("reply_state")
        # A long return reason wraps here instead of widening the pane and squeezing the list.
        self.state.setWordWrap(True)
        self.state.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.notice = QLabel("")
        self.notice.setObjectName("reply_notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self._can_reply = False
        reviewer = ctx.actor.can(Permission.REVIEW)
        self.submit_button = QPushButton("Send" if reviewer else "Submit for review")
        self.submit_button.setObjectName("submit_reply")
        self.submit_button.setAccessibleName("Send the reply" if reviewer else "Submit for review")
        self.editor.setAccessibleName("Reply text")
        self.saved.setAccessibleName("Insert a saved reply")
        self.submit_button.setToolTip(
            "Goes out with the next sync, unless the review policy holds it for review"
            if reviewer
            else "A supervisor approves the reply before it is published"
        )
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Reply</b>"))
        top.addWidget(self.state, 1)
        top.addWidget(self.urgent_reply)
        top.addWidget(self.saved)
        bottom = QHBoxLayout()
        bottom.addWidget(self.counter, 1)
        bottom.addWidget(self.submit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.watch)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.editor)
        layout.addLayout(bottom)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_now)
        self.editor.textChanged.connect(self._on_text_changed)
        self.saved.activated.connect(self._on_saved_reply_chosen)
        self.urgent_reply.clicked.connect(self.use_urgent_reply)
        self.submit_button.clicked.connect(self.submit)
        self.set_conversation(None)

    @property
    def item_id(self) -> int | None:
        """The item whose reply is being written, or None."""
        return self._item_id

    @property
    def can_reply(self) -> bool:
        return self._can_reply

    def set_conversation(self, conv: Conversation | None) -> None:
        if self._autosave.isActive():
            self.save_now()
        self._loading = True
        self._item_id = conv.item.id if conv else None
        self._channel_kind = conv.channel_kind if conv else ""
        capability = conv.reply_capability if conv else None
        self._can_reply = capability is not None and capability.can_reply
        mine = [
            r
            for r in (conv.replies if conv else ())
            if r.author_id == self._ctx.actor.id and r.state in EDITABLE
        ]
        self._reply_id = mine[-1].id if mine and self._can_reply else None
        self.editor.setPlainText(mine[-1].body if mine and self._can_reply else "")
        self.state.setText(
            f"draft #{mine[-1].id}"
            + (
                " — returned: " + (mine[-1].review_reason or "")
                if mine[-1].state == "returned"
                else ""
            )
            if mine and self._can_reply
            else ""
        )
        for widget in (self.editor, self.saved, self.submit_button):
            widget.setEnabled(self._can_reply)
        self.saved.setVisible(self._can_reply)
        offer = conv.risk.suggested_reply if conv is not None and self._can_reply else None
        self._urgent_template = offer.body if offer else None
        self.watch.show_item(self._item_id, conv.replies if conv else ())
        if self._can_reply and self.editor.hasFocus():
            self.watch.begin()
        self.urgent_reply.setVisible(offer is not None)
        if offer is not None:
            self.urgent_reply.setToolTip(f"Insert the saved reply “{offer.name}”")
        self.counter.setVisible(self._can_reply)
        self._show_notice(capability)
        self.editor.setPlaceholderText(
            "Write a reply… (saved as a draft as you type)"
            if self._can_reply or conv is None
            else "No reply from here."
        )
        self._loading = False
        self._update_counter()
        if conv is not None and self._can_reply:
            kind = conv.channel_kind
            self._ctx.jobs.run(
                "composer.saved",
                lambda: replies.saved_replies(self._ctx.factory, kind),
                self._on_saved_loaded,
            )

    def _show_notice(self, capability: replies.Capability | None) -> None:
        """Why there is no reply from here, or that a demo reply is never published."""
        if capability is None or not capability.reason:
            self.notice.hide()
            return
        if capability.can_reply:
            reason = capability.reason
            self.notice.setText(f"{reason[:1].upper()}{reason[1:]}.")
            self.notice.setStyleSheet(
                "color: #5f6368; background: #f1f3f4; padding: 4px; border-radius: 3px"
            )
        else:
            self.notice.setText(f"No reply from here: {capability.reason}.")
            self.notice.setStyleSheet(
                "color: #7a4f01; background: #fef7e0; padding: 4px; border-radius: 3px"
            )
        self.notice.show()

    def show_pending(self, conv: Conversation) -> None:
        """The conversation was reloaded: replies may have moved on (or been sent)."""
        if conv.item.id == self._item_id:
            self.watch.show_pending(conv.replies)

    def apply_changes(self, changes: Changes) -> None:
        self.watch.apply_changes(changes)

    def leave(self) -> None:
        """The window is closing: this person is no longer replying."""
        self.watch.leave(closing=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.editor and event.type() == QEvent.Type.FocusIn and self._can_reply:
            self.watch.begin()  # opening the composer on the item: others see it
        return super().eventFilter(watched, event)

    def focus_editor(self) -> None:
        if self._can_reply:
            self.editor.setFocus()

    def _on_saved_loaded(self, saved: list[replies.SavedReplyView]) -> None:
        self.saved.clear()
        self.saved.addItem("Insert saved reply…", None)
        for s in saved:
            self.saved.addItem(s.name, s.body)

    def use_urgent_reply(self) -> None:
        if self._urgent_template is not None:
            self.insert_template(self._urgent_template)

    def _on_saved_reply_chosen(self, index: int) -> None:
        template = self.saved.itemData(index)
        self.saved.setCurrentIndex(0)
        if template is not None:
            self.insert_template(template)

    def insert_template(self, template: str) -> None:
        """A saved reply's text, its placeholders filled, at the cursor."""
        if self._item_id is None:
            return
        item_id, ctx = self._item_id, self._ctx
        self._ctx.jobs.run(
            "composer.placeholders",
            lambda: replies.placeholder_values(ctx.factory, ctx.actor, item_id),
            lambda values: self.editor.insertPlainText(replies.fill_placeholders(template, values)),
        )

    def _on_text_changed(self) -> None:
        self._update_counter()
        if not self._loading and self._item_id is not None:
            self._autosave.start()
            if self._can_reply:
                self.watch.begin()  # writing again after a submit, without leaving the editor

    def _update_counter(self) -> None:
        registry = self._ctx.registry  # counted as the channel's connector counts
        limit = registry.character_limit(self._channel_kind)
        used = registry.text_length(self._channel_kind, self.editor.toPlainText())
        over = limit is not None and used > limit
        self.counter.setText(f"{used} / {limit}" if limit else f"{used}")
        self.counter.setStyleSheet(
            "color: #b3261e; font-weight: bold" if over else "color: #5f6368"
        )
        self.submit_button.setEnabled(
            self._can_reply and bool(self.editor.toPlainText().strip()) and not over
        )

    def save_now(self) -> None:
        self._autosave.stop()
        if self._item_id is None:
            return
        item_id, body, reply_id, ctx = (
            self._item_id,
            self.editor.toPlainText(),
            self._reply_id,
            self._ctx,
        )
        if reply_id is None and not body.strip():
            return
        self._ctx.jobs.run(
            f"composer.save.{item_id}",
            lambda: replies.save_draft(
                ctx.factory, ctx.actor, item_id, body, reply_id, registry=ctx.registry
            ),
            lambda draft: self._on_saved(item_id, draft),
            lambda exc: self.message.emit(f"Draft not saved: {exc}"),
        )

    def _on_saved(self, item_id: int, draft: replies.DraftState) -> None:
        if item_id == self._item_id:
            self._reply_id = draft.reply_id
            self.state.setText(
                f"returned reply #{draft.reply_id} saved: submit it again when it is fixed"
                if draft.state == "returned"
                else f"draft #{draft.reply_id} saved"
            )

    def submit(self) -> None:
        if self._item_id is None or not self._can_reply:
            return
        self._autosave.stop()
        item_id, body, reply_id, ctx = (
            self._item_id,
            self.editor.toPlainText(),
            self._reply_id,
            self._ctx,
        )

        def work() -> replies.Submitted:
            draft = replies.save_draft(
                ctx.factory, ctx.actor, item_id, body, reply_id, registry=ctx.registry
            )
            return replies.submit(ctx.factory, ctx.actor, draft.reply_id, registry=ctx.registry)

        def done(result: replies.Submitted) -> None:
            # What the service did, not what the role suggests: the policy may hold it.
            text = f"Reply #{result.reply_id} {result.summary}"
            if item_id == self._item_id:
                self._loading = True
                self.editor.clear()
                self._loading = False
                self._reply_id = None
                self._update_counter()
                self.state.setText(text)
                self.watch.leave()  # replied: the pending reply shows at the top instead
            self.message.emit(text)
            self.changes_applied.emit(result.changes)

        self._ctx.jobs.run(
            "composer.submit",
            work,
            done,
            lambda exc: self.message.emit(f"Reply not submitted: {exc}"),
        )
