"""The sidebar: views, channels (with their sync state), tags and saved searches, with counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from services.channels.capabilities import ChannelLook
from services.inbox.sidebar import SidebarData
from ui.delegates import CountDelegate
from ui.icons import channel_icon
from ui.status_bar import items_text
from ui.theme import LIGHT, Theme, Tone

# Views whose count asks for attention carry their state's tone (the list's chip colours).
VIEW_TONES = {"escalated": Tone.ESCALATED, "failed": Tone.DANGER, "returned": Tone.WARNING}

QUERY_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class View:
    key: str
    title: str
    query: str


VIEWS = (
    View("inbox", "Inbox", "is:inbox"),
    View("mine", "Assigned to me", "assignee:me -status:done -status:spam"),
    View("review", "Needs my review", "is:in-review"),
    View("returned", "Returned to me", "is:returned"),
    View("failed", "My failed replies", "is:failed"),
    View("escalated", "Escalated", "is:escalated"),
    View("snoozed", "Snoozed", "is:snoozed"),
    View("done", "Done", "status:done"),
    View("spam", "Spam", "status:spam"),
    View("all", "Everything", ""),
)


class Sidebar(QTreeWidget):
    view_selected = Signal(str, str)
    """The user picked a view: (query, title)."""

    def __init__(
        self,
        looks: Callable[[str], ChannelLook],
        theme: Callable[[], Theme] = lambda: LIGHT,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._looks = looks  # a channel kind's icon colour and letter (the registry's)
        self._theme = theme
        self.setObjectName("sidebar")
        self.setAccessibleName("Views, channels, tags and saved searches")
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        self.setRootIsDecorated(False)
        self.setIndentation(8)
        self._views: dict[str, QTreeWidgetItem] = {}
        self._views_root = self._section("Views")
        for view in VIEWS:
            item = QTreeWidgetItem(self._views_root, [view.title, ""])
            item.setData(0, QUERY_ROLE, view.query)
            if view.key in VIEW_TONES:
                item.setData(1, CountDelegate.TONE_ROLE, VIEW_TONES[view.key].value)
            self._views[view.key] = item
        self._channels_root = self._section("Channels")
        self._tags_root = self._section("Tags")
        self._saved_root = self._section("Saved searches")
        self._tone_counts()
        # Held here as well as by Qt: the delegate must outlive every paint of the tree.
        self._count_delegate = CountDelegate(theme, self)
        self.setItemDelegateForColumn(1, self._count_delegate)
        self.expandAll()
        self.setColumnWidth(0, 146)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemClicked.connect(self._on_item_clicked)
        self.currentItemChanged.connect(lambda cur, _prev: self._on_item_clicked(cur))

    def _section(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self, [title.upper(), ""])
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        item.setForeground(0, QBrush(QColor(self._theme().muted)))
        font = item.font(0)
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        item.setFont(0, font)
        return item

    def _tone_counts(self) -> None:
        """Give every count cell a tone, so the count delegate never reads an unset role."""
        for i in range(self.topLevelItemCount()):
            root = self.topLevelItem(i)
            if root is None:
                continue
            root.setData(1, CountDelegate.TONE_ROLE, Tone.NEUTRAL.value)
            for j in range(root.childCount()):
                child = root.child(j)
                if child is not None and not child.data(1, CountDelegate.TONE_ROLE):
                    child.setData(1, CountDelegate.TONE_ROLE, Tone.NEUTRAL.value)

    def select_view(self, key: str) -> None:
        item = self._views.get(key) or self._views["inbox"]
        self.setCurrentItem(item)

    def view_key_for(self, query: str) -> str | None:
        return next((v.key for v in VIEWS if v.query == query), None)

    def _on_item_clicked(self, item: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        query = item.data(0, QUERY_ROLE)
        if query is not None:
            self.view_selected.emit(query, item.text(0).split("\n")[0])  # not the marker line

    def set_saved_searches(self, searches: list[tuple[str, str]]) -> None:
        """(name, query) pairs, as services/inbox/saved_searches.py lists them."""
        self._saved_root.takeChildren()
        for title, query in searches:
            item = QTreeWidgetItem(self._saved_root, [title, ""])
            item.setData(0, QUERY_ROLE, query)
            item.setData(1, CountDelegate.TONE_ROLE, Tone.NEUTRAL.value)

    def update_data(self, data: SidebarData) -> None:
        v = data.views
        counts = {
            "inbox": v.inbox,
            "mine": v.mine,
            "review": data.in_review,
            "escalated": v.escalated,
            "snoozed": v.snoozed,
            "returned": data.returned_to_me,
            "failed": data.failed_mine,
        }
        for key, item in self._views.items():
            # Drawn as a pill in the view's tone (CountDelegate): the list's chip colours.
            item.setText(1, str(counts[key]) if counts.get(key) else "")
            item.setData(
                0,
                Qt.ItemDataRole.AccessibleTextRole,
                f"{item.text(0)}, {items_text(counts.get(key) or 0)}",
            )
            font = item.font(0)
            font.setBold(key == "inbox" and v.unread > 0)
            item.setFont(0, font)
        current = self.currentItem()
        current_query = current.data(0, QUERY_ROLE) if current is not None else None
        self._channels_root.takeChildren()
        for ch in data.channels:
            item = QTreeWidgetItem(self._channels_root, [ch.name, str(ch.open_count or "")])
            item.setData(1, CountDelegate.TONE_ROLE, Tone.NEUTRAL.value)
            item.setIcon(0, channel_icon(self._looks(ch.kind)))
            item.setData(0, QUERY_ROLE, f'is:inbox channel:"{ch.name}"')
            limitation = (
                f"\n{ch.limitation[:1].upper()}{ch.limitation[1:]}." if ch.limitation else ""
            )
            if ch.state == "error":
                item.setForeground(0, QBrush(QColor(self._theme().chip(Tone.DANGER).text)))
                item.setText(0, f"{ch.name}  ⚠")
                item.setToolTip(0, f"Sync error: {ch.state_reason}{limitation}")
            else:
                seen = (
                    ch.last_success_at.astimezone().strftime("%H:%M")
                    if ch.last_success_at
                    else "never"
                )
                item.setToolTip(0, f"{ch.kind} · {ch.state} · last sync {seen}{limitation}")
            if ch.demo:
                item.setText(0, f"{item.text(0)}\ndemo data")
                font = item.font(0)
                font.setItalic(True)
                item.setFont(0, font)
                if ch.state != "error":
                    item.setForeground(0, QBrush(QColor(self._theme().muted)))
        self._tags_root.takeChildren()
        for tag in data.tags:
            if tag.open_count:
                item = QTreeWidgetItem(self._tags_root, [f"#{tag.name}", str(tag.open_count)])
                item.setData(1, CountDelegate.TONE_ROLE, Tone.NEUTRAL.value)
                item.setData(0, QUERY_ROLE, f"is:inbox tag:{tag.name}")
        for root in (self._channels_root, self._tags_root):
            for i in range(root.childCount()):
                child = root.child(i)
                if child is not None and child.data(0, QUERY_ROLE) == current_query:
                    self.blockSignals(True)
                    self.setCurrentItem(child)
                    self.blockSignals(False)
        self.resizeColumnToContents(1)
