"""The main window: assembles sidebar, list, conversation and composer; wires signals. Decides nothing."""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from services import conversation, sidebar, triage
from services import sync as sync_service
from services.changes import Changes
from services.conversation import Conversation
from services.errors import NotFound
from services.sidebar import SidebarData
from services.users import Permission
from ui.actions import SPECS, ActionRegistry
from ui.change_poller import ChangePoller
from ui.context import UiContext
from ui.dialogs.cheat_sheet import CheatSheet
from ui.dialogs.reports_dialog import ReportsDialog
from ui.dialogs.triage_dialogs import NameDialog
from ui.inbox_controller import InboxController
from ui.models.inbox_model import (
    COL_AGE,
    COL_ASSIGNEE,
    COL_AUTHOR,
    COL_BADGE,
    COL_CHANNEL,
    COL_SNIPPET,
    COL_TAGS,
)
from ui.notifier import ReplyNotifier
from ui.panes.composer import Composer
from ui.panes.conversation_pane import ConversationPane
from ui.panes.review_panel import ReviewPanel
from ui.panes.search_bar import SearchBar
from ui.panes.sidebar import Sidebar
from ui.panes.worker_banner import WorkerBanner
from ui.sync_monitor import SyncMonitor
from ui.triage_actions import TriageActions


class MainWindow(QMainWindow):
    def __init__(
        self, ctx: UiContext, settings: QSettings, sync: SyncMonitor | None = None
    ) -> None:
        super().__init__()
        self.sync = sync
        self.setObjectName("main_window")
        self.setWindowTitle(f"Front Counter — {ctx.actor.display_name} ({ctx.actor.role.value})")
        self._ctx = ctx
        self._settings = settings
        self.sidebar = Sidebar()
        self.search_bar = SearchBar()
        self.search = self.search_bar.edit
        self.search_error = self.search_bar.error
        self.list = QTableView()
        self.list.setObjectName("item_list")
        self.inbox = InboxController(ctx, self.list, self)
        self._setup_list()
        self.pane = ConversationPane(ctx.tz)
        self.composer = Composer(ctx)
        self.review_panel = ReviewPanel(ctx)
        self.notifier = ReplyNotifier(ctx, self)
        self.triage = TriageActions(ctx, self.inbox, self)
        self.actions_ = ActionRegistry()
        self._build_layout()
        self._build_actions()
        self._build_status_bar()
        self.poller = ChangePoller(ctx, self)
        self._wire()
        self._restore()

    # ---- assembly ----------------------------------------------------------------
    def _setup_list(self) -> None:
        v = self.list
        v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        v.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        v.setShowGrid(False)
        v.setWordWrap(False)
        v.setAlternatingRowColors(True)
        v.verticalHeader().hide()
        v.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        v.verticalHeader().setDefaultSectionSize(26)
        v.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = v.horizontalHeader()
        header.setHighlightSections(False)
        for col, width in (
            (COL_CHANNEL, 30),
            (COL_AUTHOR, 130),
            (COL_AGE, 40),
            (COL_TAGS, 110),
            (COL_ASSIGNEE, 72),
            (COL_BADGE, 50),
        ):
            header.resizeSection(col, width)
        header.setSectionResizeMode(COL_SNIPPET, QHeaderView.ResizeMode.Stretch)

    def _build_layout(self) -> None:
        middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.search_bar)
        ml.addWidget(self.list)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
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
        cl.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        handlers = {
            "next": lambda: self.inbox.move(1),
            "previous": lambda: self.inbox.move(-1),
            "open": self._open_current,
            "search": self._focus_search,
            "back_to_list": self._back_to_list,
            "done": self.triage.done,
            "tag": self.triage.tag,
            "assign": self.triage.assign,
            "escalate": self.triage.escalate,
            "snooze": self.triage.snooze,
            "spam": self.triage.spam,
            "note": self.triage.note,
            "reply": self.composer.focus_editor,
            "undo": self.triage.undo,
            "refresh": self.refresh_all,
            "sync_now": self.sync_now,
            "save_search": self.save_search,
            "reports": self.show_reports,
            "moderate": self.triage.moderate,
            "approve": self.review_panel.approve,
            "cheatsheet": self.show_cheat_sheet,
        }
        toolbar = QToolBar("Actions")
        toolbar.setObjectName("toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(toolbar)
        menus: dict[str, object] = {}
        for spec in SPECS:
            action = self.actions_.add(spec, handlers[spec.id], self)
            if spec.menu not in menus:
                menus[spec.menu] = self.menuBar().addMenu(spec.menu)
            menus[spec.menu].addAction(action)  # type: ignore[attr-defined]  # QMenu
            (self.list if spec.list_only else self).addAction(action)
            if spec.toolbar:
                action.setIconText(f"{spec.label.rstrip('…')}  {spec.keys[0].lower()}")
                toolbar.addAction(action)
        self.actions_.set_item_selected(False)

    def _build_status_bar(self) -> None:
        self.status_label = QLabel("")
        self.count_label = QLabel("")
        self.progress = QProgressBar()
        self.progress.setObjectName("busy")
        self.progress.setMaximumWidth(120)
        self.progress.setRange(0, 0)
        self.progress.hide()
        bar = self.statusBar()
        bar.addWidget(self.status_label, 1)
        self.sync_label = QLabel("")
        self.sync_label.setObjectName("sync_status")
        bar.addPermanentWidget(self.sync_label)
        bar.addPermanentWidget(self.count_label)
        bar.addPermanentWidget(self.progress)

    def _wire(self) -> None:
        self.sidebar.view_selected.connect(self._on_view_selected)
        self.search_bar.submitted.connect(lambda _text: self._on_search_entered())
        self.search_bar.cleared.connect(self._clear_search)
        self.inbox.search_applied.connect(self.search_bar.show_filter)
        self.inbox.current_item_changed.connect(self._on_current_item_changed)
        self.inbox.list_loaded.connect(lambda n: self.count_label.setText(f"{n:,} items"))
        self.inbox.query_failed.connect(self._on_query_failed)
        self.inbox.busy.connect(self._on_busy)
        self.triage.changes_applied.connect(self.apply_changes)
        self.triage.message.connect(self.show_message)
        self.composer.changes_applied.connect(self.apply_changes)
        self.review_panel.changes_applied.connect(self.apply_changes)
        self.review_panel.message.connect(self.show_message)
        self.notifier.notified.connect(self.show_message)
        self.composer.message.connect(self.show_message)
        self.poller.changes_seen.connect(self.apply_changes)
        self.pane.link_hovered.connect(
            lambda url: self.statusBar().showMessage(url, 4000) if url else None
        )
        self.list.doubleClicked.connect(lambda _i: self._open_current())
        if self.sync is not None:
            self.sync.channel_started.connect(self._on_channel_sync_started)
            self.sync.channel_finished.connect(self._on_channel_sync_finished)
            self.sync.reply_processed.connect(self._on_reply_processed)
            self.sync.worker_died.connect(self._on_worker_died)
            self.sync.worker_started.connect(lambda: self.sync_label.setText(""))

    def _restore(self) -> None:
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = self._settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([210, 640, 430])

    def _saved_searches(self) -> list[tuple[str, str]]:
        raw = self._settings.value("searches/saved")
        try:
            # Stored as bytes: QSettings' INI format would split a plain string at its commas.
            data = json.loads(bytes(raw.data())) if isinstance(raw, QByteArray) else []
        except ValueError:
            return []
        return [(str(t), str(q)) for t, q in data if isinstance(t, str)]

    def save_search(self) -> None:
        query = self.inbox.query_text
        dialog = NameDialog("Save this search as…", self.search.text().strip() or query, self)
        dialog.submitted.connect(lambda name: self._store_search(name, query))
        dialog.finished.connect(self._return_focus_to_list)
        dialog.open()

    def _store_search(self, name: str, query: str) -> None:
        searches = [s for s in self._saved_searches() if s[0] != name] + [(name, query)]
        self._settings.setValue("searches/saved", QByteArray(json.dumps(searches).encode()))
        self._settings.sync()
        self.sidebar.set_saved_searches(searches)
        self.show_message(f"Saved search “{name}”")

    def start(self) -> None:
        """Show the last view and begin live updates."""
        self.sidebar.set_saved_searches(self._saved_searches())
        view = str(self._settings.value("view/last", "inbox"))
        self.sidebar.select_view(view)
        self.refresh_sidebar()
        self.poller.start()
        if self.sync is not None:
            self.sync.start()
        self.notifier.check()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.composer.save_now()
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/splitter", self.splitter.saveState())
        self._settings.sync()
        self.poller.timer.stop()
        if self.sync is not None:
            self.sync.stop()
        self._ctx.jobs.wait(10_000)
        super().closeEvent(event)

    # ---- event handlers ------------------------------------------------------------
    def _on_view_selected(self, query: str, title: str) -> None:
        key = self.sidebar.view_key_for(query)
        if key:
            self._settings.setValue("view/last", key)
        self.setWindowTitle(f"{title} — Front Counter — {self._ctx.actor.display_name}")
        self.inbox.set_view(query)

    def _on_search_entered(self) -> None:
        if self.inbox.set_search(self.search.text()):
            self.list.setFocus()

    def _clear_search(self) -> None:
        if self.inbox.search_text:
            self.inbox.set_search("")

    def _on_query_failed(self, message: str) -> None:
        self.search_bar.show_error(message)

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
            self.status_label.setText(text)
        elif self.status_label.text() == "Searching…":
            self.status_label.setText("")

    def show_message(self, text: str) -> None:
        self.status_label.setText(text)

    def _on_current_item_changed(self, item_id: int | None) -> None:
        self.actions_.set_item_selected(item_id is not None)
        if item_id is None:
            self.pane.show_placeholder("No items here.")
            self.composer.set_conversation(None)
            return
        self._load_conversation(item_id, mark_read=True)

    def _load_conversation(self, item_id: int, mark_read: bool = False) -> None:
        f, actor = self._ctx.factory, self._ctx.actor

        def work() -> tuple[Changes, Conversation]:
            read = Changes()
            if mark_read and actor.can(Permission.TRIAGE):
                read = triage.mark_read(f, actor, item_id)
            return read, conversation.load(f, item_id)

        def done(found: tuple[Changes, Conversation]) -> None:
            read, conv = found
            if not read.empty:
                # Our own changes are not echoed back by the poller: the unread counts move now.
                self.refresh_sidebar()
            if conv.item.id == self.inbox.current_id():
                self.pane.show_conversation(conv)
                if self.composer.isHidden() or self.composer._item_id != conv.item.id:
                    self.composer.set_conversation(conv)
                self.review_panel.set_conversation(conv)
                if mark_read:
                    self.inbox.model.refresh_items([item_id])

        def failed(exc: Exception) -> None:
            if isinstance(exc, NotFound):
                self.pane.show_placeholder("This item no longer exists.")

        self._ctx.jobs.run("conversation", work, done, failed)

    def _open_current(self) -> None:
        self.pane.setFocus()

    def apply_changes(self, changes: Changes) -> None:
        """The one place a change reaches every pane (local action, other desktop or worker)."""
        self.inbox.apply_changes(changes)
        current = self.inbox.current_id()
        if current is not None and (
            current in changes.item_ids or changes.touches("notes", "replies", "escalations")
        ):
            self._load_conversation(current)
        self.refresh_sidebar()
        if changes.touches("replies"):
            self.notifier.check()

    def refresh_all(self) -> None:
        self.inbox.load(first_paint=False)
        self.refresh_sidebar()

    def refresh_sidebar(self) -> None:
        f, uid = self._ctx.factory, self._ctx.actor.id
        self._ctx.jobs.run("sidebar", lambda: sidebar.load(f, uid), self._on_sidebar_loaded)

    def _on_sidebar_loaded(self, data: SidebarData) -> None:
        self.sidebar.update_data(data)
        self.triage.known_tags = [t.name for t in data.tags]

    # ---- sync ---------------------------------------------------------------------
    def sync_now(self) -> None:
        f = self._ctx.factory
        down = self.sync is not None and not self.sync.is_running()
        if self.sync is not None:
            self.sync.start()
        self._ctx.jobs.run("sync.now", lambda: sync_service.request_sync_now(f), self.apply_changes)
        if down:
            # Never claim polling while our worker is not running: say it is being restarted.
            self.show_message(
                "The sync worker was not running: restarting it; channels are polled once it runs"
            )
            return
        self.show_message(
            "Sync requested: every channel is polled now"
            + ("" if self.sync is not None else " by the team's sync worker")
        )

    def _on_worker_died(self, _reason: str) -> None:
        self.progress.hide()
        self.sync_label.setText("Sync worker not running")
        self.sync_label.setStyleSheet("color: #b3261e")

    def _on_channel_sync_started(self, channel: str) -> None:
        self.sync_label.setText(f"Syncing {channel}…")
        self.progress.show()

    def _on_channel_sync_finished(self, channel: str, state: str, reason: str) -> None:
        running = self.sync.running_channels if self.sync is not None else set()
        if not running:
            self.progress.hide()
        if state == "ok":
            self.sync_label.setText(
                f"{channel} synced" if not running else f"Syncing {next(iter(running))}…"
            )
            self.sync_label.setStyleSheet("")
        else:
            self.sync_label.setText(f"{channel}: {reason}")
            self.sync_label.setStyleSheet("color: #b3261e")
        self.refresh_sidebar()

    def _on_reply_processed(self, reply_id: int, state: str, reason: str) -> None:
        self.show_message(f"Reply #{reply_id} {state}" + (f": {reason}" if reason else ""))

    def show_reports(self) -> None:
        dialog = ReportsDialog(self._ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def _return_focus_to_list(self) -> None:
        self.activateWindow()
        self.list.setFocus()

    def show_cheat_sheet(self) -> None:
        sheet = CheatSheet(self.actions_.cheat_sheet(), self)
        sheet.finished.connect(self._return_focus_to_list)
        sheet.open()
