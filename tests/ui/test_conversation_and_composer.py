"""The conversation pane shows public text inert; the composer counts, fills and autosaves."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from services import conversation
from services.audit import write_transaction
from services.ingest import Author, Incoming, ThreadRef, upsert
from services.store.models import Channel, ItemKind, Reply, ReplyState, utcnow
from tests.ui.conftest import save_shot, settle
from ui.main_window import MainWindow
from ui.panes.conversation_pane import ConversationPane

HOSTILE = (
    "<p>Read this<script>document.title='owned'</script>"
    '<img src="https://tracker.example/pixel.gif" onerror="alert(1)">'
    '<a href="javascript:alert(2)">free money</a> '
    '<a href="https://phish.example/login">https://northvale-police.example/report</a>'
    '<iframe src="https://evil.example"></iframe><style>body{display:none}</style></p>'
)


def test_hostile_html_renders_inert(qtbot: QtBot, make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    f = w._ctx.factory
    with write_transaction(f, None) as tx:
        channel_id = tx.session.query(Channel.id).filter(Channel.kind == "wordpress").scalar()
        item_id = upsert(
            tx.session,
            channel_id,
            [
                Incoming(
                    "evil-1",
                    ItemKind.COMMENT,
                    utcnow(),
                    Author("x", "Mallory"),
                    ThreadRef("post-812"),
                    body_html=HOSTILE,
                )
            ],
            tx.now,
        ).inserted[0]
        tx.touched("items", item_id)
    opened: list[QUrl] = []
    pane = ConversationPane(ZoneInfo("Europe/London"), open_url=opened.append)
    qtbot.addWidget(pane)
    blocked: list[str] = []
    pane.remote_request_blocked.connect(blocked.append)
    pane.show_conversation(conversation.load(f, item_id))
    pane.resize(600, 500)
    pane.show()
    html = pane.toHtml()
    for bad in (
        "<script",
        "document.title",
        "onerror",
        "<img",
        "<iframe",
        "javascript:",
        "tracker.example",
        "display:none",
    ):
        assert bad not in html
    text = pane.toPlainText()
    assert "free money" in text and "[phish.example]" in text  # the lying link shows where it goes
    assert not [b for b in blocked if b.startswith("http")]
    # Clicking a link hands it to the system browser; nothing loads inside the pane.
    pane.anchorClicked.emit(QUrl("https://phish.example/login"))
    pane.anchorClicked.emit(QUrl("javascript:alert(3)"))
    assert [u.toString() for u in opened] == ["https://phish.example/login"]
    save_shot(pane, "hostile-html-pane.png")


def test_inbox_model_passes_qt_model_checks(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    qtmodeltester,  # type: ignore[no-untyped-def]
) -> None:
    w = make_window()
    qtmodeltester.check(w.inbox.model, force_py=True)


def test_composer_counts_fills_saved_reply_and_autosaves(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window("d.hughes")
    f = w._ctx.factory
    bluesky = next(
        i
        for i in range(w.inbox.model.rowCount())
        if w.inbox.model.row_at(i).channel_kind == "bluesky"
    )  # type: ignore[union-attr]
    w.inbox.select_item(w.inbox.model.ids[bluesky])
    settle(qtbot, w)
    item_id = w.inbox.current_id()
    assert w.composer.isEnabled() and w.composer.counter.text() == "0 / 300"
    w.composer.editor.setPlainText("x" * 301)
    assert w.composer.counter.text() == "301 / 300" and not w.composer.submit_button.isEnabled()
    w.composer.editor.clear()
    index = w.composer.saved.findText("Short: report it")
    assert index > 0
    w.composer.saved.activated.emit(index)
    settle(qtbot, w)
    body = w.composer.editor.toPlainText()
    assert body.startswith("Hi Marcus, please report this") and f"FC-{item_id}" in body
    qtbot.waitUntil(lambda: w.composer.state.text().endswith("saved"), timeout=5000)
    settle(qtbot, w)
    with f() as s:
        drafts = s.query(Reply).filter(Reply.item_id == item_id).all()
    assert [(d.state, d.body) for d in drafts] == [(ReplyState.DRAFT, body)]
    save_shot(w, "composer-1280x800.png")
    assert w.composer.submit_button.text() == "Submit for review"
    w.composer.submit_button.click()
    settle(qtbot, w)
    with f() as s:
        assert (
            s.query(Reply.state).filter(Reply.item_id == item_id).scalar() == ReplyState.IN_REVIEW
        )
    assert "in review" in w.pane.toPlainText()


def test_feed_entries_are_read_only(qtbot: QtBot, make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    w.search.setText("channel:feed")
    w._on_search_entered()
    settle(qtbot, w)
    assert w.inbox.model.rowCount() >= 1
    assert not w.composer.isEnabled()


def test_moderation_key_queues_a_request_for_the_worker(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    from PySide6.QtCore import Qt

    from tests.ui.test_keyboard_flow import modal
    from ui.dialogs.triage_dialogs import ChoiceDialog

    w = make_window()
    blog = next(
        i
        for i in range(w.inbox.model.rowCount())
        if w.inbox.model.row_at(i).channel_kind == "wordpress"
    )  # type: ignore[union-attr]
    w.inbox.select_item(w.inbox.model.ids[blog])
    settle(qtbot, w)
    qtbot.keyClick(w.list, Qt.Key.Key_M)
    dialog = modal(qtbot, ChoiceDialog)
    assert isinstance(dialog, ChoiceDialog)
    dialog.combo.setCurrentIndex(dialog.combo.findData("spam"))
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    settle(qtbot, w)
    conv = conversation.load(w._ctx.factory, w.inbox.model.ids[blog])
    assert [(m.action, m.state) for m in conv.moderation] == [("spam", "pending")]
    assert "waiting for the sync worker" in w.pane.toPlainText()
