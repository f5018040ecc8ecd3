"""Shows the current item: loads its conversation off the GUI thread, marks it read for me."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel

from services.errors import NotFound
from services.inbox import triage
from services.records import attachments, welfare
from services.workspace.actor import Permission
from services.workspace.changes import Changes
from ui.attachment_saver import AttachmentSaver
from ui.chips import chips_html
from ui.context import UiContext
from ui.delegates import ItemDelegate
from ui.inbox_controller import InboxController
from ui.models.inbox_model import InboxModel
from ui.panes.composer import Composer
from ui.panes.conversation_pane import ConversationPane
from ui.panes.review_panel import ReviewPanel
from ui.theme import Theme
from ui.welfare_veil import Veil

if TYPE_CHECKING:  # loaded with the first conversation, after the first rows
    from services.inbox.conversation import Conversation

    Found = tuple[Changes, Conversation, frozenset[int], tuple[attachments.AttachmentView, ...]]


class ThemeSource(Protocol):
    """Anything with the current theme (ui/display.py's DisplayPrefs)."""

    @property
    def theme(self) -> Theme: ...


class ConversationController(QObject):
    read_marked = Signal()
    """Opening the item changed read state or status: counts should move now."""

    def __init__(
        self,
        ctx: UiContext,
        inbox: InboxController,
        pane: ConversationPane,
        composer: Composer,
        review_panel: ReviewPanel,
        theme: ThemeSource,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._inbox = inbox
        self._pane = pane
        self._composer = composer
        self._review = review_panel
        self._theme = theme
        self.chips = QLabel("")
        self.chips.setObjectName("conversation_chips")
        self.chips.setTextFormat(Qt.TextFormat.RichText)
        self.chips.setWordWrap(True)
        self.chips.setAccessibleName("Item state")
        self.chips.setContentsMargins(0, 3, 0, 0)  # a chip's box is not cut at the pane's top
        self.chips.hide()
        # Distressing items stay veiled for each person until they reveal them (issue 13).
        self.veil = Veil(ctx, self)
        delegate = inbox.view.itemDelegate()
        if isinstance(delegate, ItemDelegate):
            delegate.set_veil(self.veil.is_veiled)
        self.veil.changed.connect(inbox.view.viewport().update)
        pane.reveal_requested.connect(self.veil.reveal)
        # An e-mail's attachments are saved (and opened) only when the person clicks for one.
        self.attachments = AttachmentSaver(ctx, pane)
        pane.attachment_requested.connect(self.attachments.save)
        self.veil.reload()

    def clear(self, text: str = "No items here.") -> None:
        self._pane.show_placeholder(text)
        self._composer.set_conversation(None)
        self.chips.hide()

    def show(self, item_id: int, mark_read: bool = False) -> None:
        f, actor, registry = self._ctx.factory, self._ctx.actor, self._ctx.registry
        self._show_chips()

        def work() -> Found:
            # Loaded here, off the GUI thread, after the first rows: not needed to show them.
            from services.inbox import conversation

            read = Changes()
            if mark_read and actor.can(Permission.TRIAGE):
                read = triage.mark_read(f, actor, item_id)
            conv = conversation.load(f, item_id, registry=registry)
            shown = [conv.item.id, *(m.id for m in conv.thread), *(m.id for m in conv.history)]
            with f() as s:
                veiled = frozenset(welfare.veiled(s, actor.id, shown))
            return read, conv, veiled, tuple(attachments.listed(f, item_id))

        def done(found: Found) -> None:
            read, conv, veiled, files = found
            if mark_read:
                # Our own read mark is not echoed back by the poller: the row's dot goes now.
                self._inbox.model.refresh_items([item_id])
            if not read.empty:
                self.read_marked.emit()  # new → open for the team: the counts move
            if conv.item.id != self._inbox.current_id():
                return
            self._pane.show_conversation(conv, veiled, files)
            if self._composer.isHidden() or self._composer.item_id != conv.item.id:
                self._composer.set_conversation(conv)
            else:
                self._composer.show_pending(conv)  # a reply went for review, or out
            self._review.set_conversation(conv)

        def failed(exc: Exception) -> None:
            if isinstance(exc, NotFound):
                self._pane.show_placeholder("This item no longer exists.")

        self._ctx.jobs.run("conversation", work, done, failed)

    def _show_chips(self) -> None:
        view = self._inbox.view
        index = view.currentIndex()
        chips = index.siblingAtColumn(0).data(InboxModel.ChipsRole) if index.isValid() else None
        if not chips:
            self.chips.hide()
            return
        self.chips.setText(chips_html(chips, self._theme.theme))
        self.chips.setToolTip("\n".join(c.tooltip or c.text for c in chips))
        self.chips.show()

    def refresh_chips(self) -> None:
        if self._inbox.current_id() is not None:
            self._show_chips()
