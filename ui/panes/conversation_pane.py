"""The conversation pane: a read-only, inert view of the item in its context.

Remote resources are never fetched (loadResource refuses them) and links
open in the system browser only when clicked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTextBrowser, QWidget

from services.records.attachments import AttachmentView
from ui.panes.conversation_html import render

if TYPE_CHECKING:  # loaded with the first conversation, after the first rows
    from services.inbox.conversation import Conversation

SAFE_SCHEMES = {"http", "https", "mailto"}


class InertBrowser(QTextBrowser):
    """A QTextBrowser that loads nothing by itself."""

    remote_request_blocked = Signal(str)
    """A document asked for a resource; it was refused."""

    def loadResource(self, type_: int, name: QUrl | str) -> Any:
        self.remote_request_blocked.emit(name.toString() if isinstance(name, QUrl) else str(name))
        return None


class ConversationPane(InertBrowser):
    link_hovered = Signal(str)
    """The pointer is over a link; its real target."""
    reveal_requested = Signal(int)
    """The person chose to see a veiled (distressing) message: its item id."""
    attachment_requested = Signal(int, int, str)
    """The person asked to save an attachment: item id, its number, its name."""

    def __init__(
        self,
        tz: ZoneInfo,
        parent: QWidget | None = None,
        open_url: Callable[[QUrl], object] = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conversation")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self._tz = tz
        self._open_url = open_url
        self._conversation: Conversation | None = None
        self._show_audit = False
        self._veiled: frozenset[int] = frozenset()
        self._attachments: tuple[AttachmentView, ...] = ()
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.highlighted.connect(lambda url: self.link_hovered.emit(url.toString()))
        self.show_placeholder()

    @property
    def conversation(self) -> Conversation | None:
        return self._conversation

    def show_placeholder(
        self, text: str = "Select an item to read it in its conversation."
    ) -> None:
        self._conversation = None
        self.setHtml(f"<p style='color:#777; margin:24px'>{text}</p>")

    def show_conversation(
        self,
        conv: Conversation,
        veiled: frozenset[int] | None = None,
        attachments: tuple[AttachmentView, ...] | None = None,
    ) -> None:
        """Show it; `veiled` (ids to show veiled) and `attachments` stay as they were when not given."""
        keep_scroll = self._conversation is not None and self._conversation.item.id == conv.item.id
        pos = self.verticalScrollBar().value()
        if not keep_scroll and attachments is None:
            self._attachments = ()
        self._conversation = conv
        if veiled is not None:
            self._veiled = veiled
        if attachments is not None:
            self._attachments = attachments
        self.setHtml(render(conv, self._tz, self._show_audit, self._veiled, self._attachments))
        if keep_scroll:
            self.verticalScrollBar().setValue(pos)

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == "fc":
            if url.path() == "toggle-audit" and self._conversation is not None:
                self._show_audit = not self._show_audit
                self.show_conversation(self._conversation)
            elif url.path().startswith("attachment/"):
                self._ask_for_attachment(url.path().split("/")[1:])
            elif url.path().startswith("reveal/") and url.path()[7:].isdigit():
                item_id = int(url.path()[7:])
                self._veiled = self._veiled - {item_id}
                self.reveal_requested.emit(item_id)
                if self._conversation is not None:
                    self.show_conversation(self._conversation)
            return
        if url.scheme() in SAFE_SCHEMES:
            self._open_url(url)

    def _ask_for_attachment(self, parts: list[str]) -> None:
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            return
        item_id, position = int(parts[0]), int(parts[1])
        for a in self._attachments:
            if a.position == position:
                self.attachment_requested.emit(item_id, position, a.name)
