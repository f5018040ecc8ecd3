"""The main window: assembles sidebar, list, conversation and composer; wires signals. Decides nothing.

The parts that do something live beside it: InboxController (the list),
ConversationController (the open item and its read mark), SavedSearchController,
SyncStatus (the status bar's sync text), DisplayPrefs (text size and theme),
UrgentAlerts (the banner while an urgent item waits), WindowDialogs (the dialogs it opens)
and window_menus (the menu bar, toolbar and context menu built from the action specs).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QVBoxLayout, QWidget

from services.inbox import sidebar
from services.inbox.sidebar import SidebarData
from services.workspace import users
from services.workspace.actor import Actor
from services.workspace.changes import ChangeKind, Changes
from ui.actions import ActionRegistry
from ui.change_poller import ChangePoller
from ui.context import UiContext
from ui.conversation_controller import ConversationController
from ui.display import DisplayPrefs
from ui.inbox_controller import InboxController
from ui.item_list import fit_rows_to_text, make_item_list, size_columns
from ui.jobs import Jobs
from ui.notifier import ReplyNotifier
from ui.panes.composer import Composer
from ui.panes.conversation_pane import ConversationPane
from ui.panes.review_panel import ReviewPanel
from ui.panes.search_bar import SearchBar
from ui.panes.sidebar import Sidebar
from ui.panes.urgent_banner import UrgentBanner
from ui.panes.worker_banner import WorkerBanner
from ui.saved_search_controller import SavedSearchController
from ui.sla_notifier import SlaNotifier
from ui.status_bar import build_status_bar, items_text
from ui.sync_monitor import SyncMonitor
from ui.sync_status import SyncStatus
from ui.theme import LIGHT, palette
from ui.triage_actions import TriageActions
from ui.urgent_alerts import UrgentAlerts
from ui.welfare_actions import DistressingActions
from ui.window_dialogs import WindowDialogs
from ui.window_menus import build_menus, recolour_toolbar_icons


class MainWindow(QMainWindow):
    started = Signal()
    """The first page is on screen (or 3 s passed without one): live updates begin."""

    def __init__(
        self, ctx: UiContext, settings: QSettings, sync: SyncMonitor | None = None
    ) -> None:
        super().__init__()
        self.sync = sync
        self.setObjectName("main_window")
        self._ctx = ctx
        self._settings = settings
        self._actor = ctx.actor
        self._title = "Inbox"
        self._live = False  # counts, polling and checks: started after the first page
        self._live_fallback = QTimer(self)  # ... or after 3 s, for a view that never answers
        self._live_fallback.setSingleShot(True)
        self._live_fallback.timeout.connect(self._start_live_updates)
        self.display = DisplayPrefs(settings, self)
        self.sidebar = Sidebar(ctx.registry.look, lambda: self.display.theme)
        self.search_bar = SearchBar()
        self.search = self.search_bar.edit
        self.search_error = self.search_bar.error
        self.list = make_item_list(lambda: self.display.theme)
        self.inbox = InboxController(ctx, self.list, self)
        size_columns(self.list)
        self.pane = ConversationPane(ctx.tz)
        self.pane.setAccessibleName("Conversation")
        self.pane.setPalette(palette(LIGHT))  # public text reads as on paper, in either theme
        self.composer = Composer(ctx)
        self.review_panel = ReviewPanel(ctx)
        self.notifier = ReplyNotifier(ctx, self)
        self.sla_notices = SlaNotifier(ctx, self)  # SLA notices and on-call pages for me
        self.triage = TriageActions(ctx, self.inbox, self)
        self.distressing = DistressingActions(ctx, self.inbox, self)
        self.conversation = ConversationController(
            ctx, self.inbox, self.pane, self.composer, self.review_panel, self.display, self
        )
        self.saved_searches = SavedSearchController(ctx, self.sidebar, self)
        self.urgent_banner = UrgentBanner()  # shows only while an urgent item waits to be taken
        self.urgent = UrgentAlerts(ctx, self.urgent_banner, self.inbox, self._show_inbox, self)
        self.actions_ = ActionRegistry()
        self.dialogs = WindowDialogs(ctx, self.actions_, self)
        self._build_layout()
        w = build_status_bar(self.statusBar())
        self.status_label, self.sync_label = w.message, w.sync
        self.count_label, self.progress = w.count, w.progress
        self.sync_status = SyncStatus(
            ctx, sync, self.sync_label, self.progress, lambda: self.display.theme, self
        )
        self.toolbar = build_menus(
            self, self.actions_, self._handlers(), self.display.choice, self.list
        )
        self.poller = ChangePoller(ctx, self)
        self._wire()
        self._restore()
        self.display.apply()
        self._update_title()

    @property
    def jobs(self) -> Jobs:
        """The window's background jobs (tests and the screenshot command wait on them)."""
        return self._ctx.jobs

    @property
    def actor(self) -> Actor:
        return self._actor

    # ---- assembly ----------------------------------------------------------------
    def _build_layout(self) -> None:
        middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.search_bar)
        ml.addWidget(self.list)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.conversation.chips)
        rl.addWidget(self.pane, 1)
        rl.addWidget(self.review_panel)
        rl.addWidget(self.composer)
        self.splitter = QSplitter()
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.worker_banner = WorkerBanner(self.sync)  # shows only while our worker is down
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(self.worker_banner)
        cl.addWidget(self.urgent_banner)
        cl.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def _handlers(self) -> dict[str, Callable[[], object]]:
        d = self.display
        return {
            "next": lambda: self.inbox.move(1),
            "previous": lambda: self.inbox.move(-1),
            "open": self.pane.setFocus,
            "search": self._focus_search,
            "back_to_list": self._back_to_list,
            "done": self.triage.done,
            "tag": self.triage.tag,
            "assign": self.triage.assign,
            "escalate": self.triage.escalate,
            "snooze": self.triage.snooze,
            "spam": self.triage.spam,
            "note": self.triage.note,
            "distressing_on": self.distressing.flag,
            "distressing_off": self.distressing.unflag,
            "reply": self.composer.focus_editor,
            "undo": self.triage.undo,
            "refresh": self.refresh_all,
            "sync_now": self.sync_status.sync_now,
            "save_search": self.save_search,
            "reports": self.dialogs.show_reports,
            "channels": self.dialogs.show_channels,
            "moderate": self.triage.moderate,
            "approve": self.review_panel.approve,
            "cheatsheet": self.dialogs.show_cheat_sheet,
            "about": self.dialogs.show_about,
            "settings": self.dialogs.show_settings,
            "zoom_in": d.zoom_in,
            "zoom_out": d.zoom_out,
            "zoom_reset": d.zoom_reset,
            "theme_system": lambda: d.set_choice("system"),
            "theme_light": lambda: d.set_choice("light"),
            "theme_dark": lambda: d.set_choice("dark"),
        }

    def _wire(self) -> None:
        self.sidebar.view_selected.connect(self._on_view_selected)
        self.search_bar.submitted.connect(lambda _text: self._on_search_entered())
        self.search_bar.cleared.connect(self._clear_search)
        self.inbox.search_applied.connect(self.search_bar.show_filter)
        self.inbox.current_item_changed.connect(self._on_current_item_changed)
        self.inbox.list_loaded.connect(lambda n: self.count_label.setText(items_text(n)))
        self.inbox.query_failed.connect(self.search_bar.show_error)
        self.inbox.busy.connect(self._on_busy)
        self.conversation.read_marked.connect(self.refresh_sidebar)
        for source in (self.triage, self.composer, self.review_panel):
            source.changes_applied.connect(self.apply_changes)
        self.notifier.notified.connect(self.show_message)
        self.sla_notices.notified.connect(self.show_message)
        self.urgent.raised.connect(self.show_message)
        for source in (self.triage, self.review_panel, self.composer):
            source.message.connect(self.show_message)
        self.saved_searches.message.connect(self.show_message)
        self.distressing.message.connect(self.show_message)
        self.distressing.changes_applied.connect(self.apply_changes)
        self.sync_status.message.connect(self.show_message)
        self.conversation.attachments.message.connect(self.show_message)
        self.saved_searches.dialog_closed.connect(self._return_focus_to_list)
        self.dialogs.closed.connect(self._return_focus_to_list)
        self.dialogs.profile_saved.connect(self._on_profile_saved)
        self.dialogs.demo_loaded.connect(self.refresh_all)
        self.sync_status.changes_applied.connect(self.apply_changes)
        self.sync_status.channel_finished.connect(self.refresh_sidebar)
        self.poller.changes_seen.connect(self.apply_changes)
        self.display.changed.connect(self._on_display_changed)
        self.pane.link_hovered.connect(
            lambda url: self.statusBar().showMessage(url, 4000) if url else None
        )
        self.list.doubleClicked.connect(lambda _i: self.pane.setFocus())

    def _restore(self) -> None:
        geometry = self._settings.value("window/geometry")
        self.geometry_restored = isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)
        splitter = self._settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([190, 720, 370])
        columns = self._settings.value("window/columns")
        if isinstance(columns, QByteArray):
            self.list.horizontalHeader().restoreState(columns)

    def save_layout(self) -> None:
        """Geometry, splitter and column widths, kept per person (their own settings)."""
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/splitter", self.splitter.saveState())
        self._settings.setValue("window/columns", self.list.horizontalHeader().saveState())
        self._settings.sync()

    def start(self, offer_demo: bool = False) -> None:
        """Show the last view and begin live updates; on a first day, say hello."""
        view = str(self._settings.value("view/last", "inbox"))
        # The first page has the worker threads to itself: counts, checks and the saved
        # searches started beside it shared the GIL and held the first rows back (150 ms at a
        # million items).
        self.inbox.first_page_shown.connect(
            self._start_live_updates, Qt.ConnectionType.SingleShotConnection
        )
        self._live_fallback.start(3000)
        self.sidebar.select_view(view)
        # Keyboard first: j, k and the triage keys work at once, without a click.
        self.list.setFocus()
        if offer_demo or users.needs_profile(self._actor):
            self.dialogs.welcome(offer_demo)

    def _start_live_updates(self) -> None:
        self._live_fallback.stop()
        if self._live:
            return
        self._live = True
        self.started.emit()
        self.saved_searches.load()
        self.refresh_sidebar()
        self.poller.start()
        if self.sync is not None:
            self.sync.start()
        self.notifier.check()
        self.sla_notices.check()
        self.urgent.check()

    def _on_profile_saved(self, actor: Actor) -> None:
        self._actor = actor
        self._update_title()

    def stop_live_updates(self) -> None:
        self._live = True  # a first page landing after this must not start the poller again
        self._live_fallback.stop()
        self.poller.timer.stop()
        if self.sync is not None:
            self.sync.stop()
        self._ctx.jobs.wait(10_000)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.composer.save_now()
        self.composer.leave()
        self.save_layout()
        self.stop_live_updates()
        super().closeEvent(event)

    # ---- event handlers ------------------------------------------------------------
    def _update_title(self) -> None:
        a = self._actor
        self.setWindowTitle(f"{self._title} — Front Counter — {a.display_name} ({a.role.value})")

    def _on_view_selected(self, query: str, title: str) -> None:
        key = self.sidebar.view_key_for(query)
        if key:
            self._settings.setValue("view/last", key)
        self._title = title
        self._update_title()
        self.inbox.set_view(query)

    def _on_search_entered(self) -> None:
        if self.inbox.set_search(self.search.text()):
            self.list.setFocus()

    def _clear_search(self) -> None:
        if self.inbox.search_text:
            self.inbox.set_search("")

    def _show_inbox(self) -> None:
        self.search_bar.clear()
        self.sidebar.select_view("inbox")
        self.inbox.load(first_paint=True)  # the newest load wins: one list, whichever moved

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _back_to_list(self) -> None:
        focus = QApplication.focusWidget()
        if focus is self.search:
            self.search_bar.clear()
        elif focus is not None and self.composer.isAncestorOf(focus):
            self.composer.save_now()  # the draft is kept: leaving is not discarding
        self.list.setFocus()

    def _on_busy(self, text: str) -> None:
        self.progress.setVisible(bool(text))
        if text:
            self.show_message(text)
        elif self.status_label.text() == "Searching…":
            self.show_message("")

    def show_message(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def _on_current_item_changed(self, item_id: int | None) -> None:
        self.actions_.set_item_selected(item_id is not None)
        if item_id is None:
            self.conversation.clear()
            return
        self.conversation.show(item_id, mark_read=True)

    def _on_display_changed(self) -> None:
        theme = self.display.theme
        fit_rows_to_text(self.list)
        self.inbox.model.set_base_font(QApplication.font())
        recolour_toolbar_icons(self.actions_, theme.text)
        self.conversation.refresh_chips()
        self.list.viewport().update()
        self.sidebar.viewport().update()

    def apply_changes(self, changes: Changes) -> None:
        """The one place a change reaches every pane (local action, other desktop or worker)."""
        self.composer.apply_changes(changes)
        if changes.kinds == {ChangeKind.PRESENCE}:
            # Someone opened or left a composer: the banner and those rows' "is replying" chips.
            self.inbox.model.refresh_items(changes.item_ids)
            return
        self.inbox.apply_changes(changes)
        current = self.inbox.current_id()
        if current is not None and (
            current in changes.item_ids
            or changes.touches(ChangeKind.NOTES, ChangeKind.REPLIES, ChangeKind.ESCALATIONS)
        ):
            self.conversation.show(current)
        self.saved_searches.apply_changes(changes)
        self.urgent.apply_changes(changes)
        if changes.touches(ChangeKind.ITEMS):
            self.sla_notices.check()  # the worker's SLA sweep touches the items it noticed
        self.refresh_sidebar()
        if changes.touches(ChangeKind.ITEMS, ChangeKind.TAGS, ChangeKind.RISK, ChangeKind.USERS):
            self.conversation.veil.reload()  # a tag or a risk flag may veil or unveil items
        if changes.touches(ChangeKind.REPLIES):
            self.notifier.check()

    def refresh_all(self) -> None:
        self.inbox.load(first_paint=False)
        self.refresh_sidebar()

    def refresh_sidebar(self) -> None:
        f, uid, registry = self._ctx.factory, self._ctx.actor.id, self._ctx.registry
        self._ctx.jobs.run(
            "sidebar", lambda: sidebar.load(f, uid, registry=registry), self._on_sidebar_loaded
        )

    def _on_sidebar_loaded(self, data: SidebarData) -> None:
        self.sidebar.update_data(data)
        self.triage.known_tags = [t.name for t in data.tags]

    def save_search(self) -> None:
        self.saved_searches.ask_name(self.inbox.query_text, self.search.text().strip(), self)

    def _return_focus_to_list(self) -> None:
        self.activateWindow()
        self.list.setFocus()
