"""The conversation pane shows public text inert; the composer counts, fills and autosaves."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QUrl
from pytestqt.qtbot import QtBot

from services.answers import replies
from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.ingest import upsert
from services.channels.protocol import Registry
from services.inbox import conversation
from services.store.models import Channel, ItemKind, Reply, ReplyState, utcnow
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction
from tests.builders import add_channel, add_item
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


def test_hostile_html_renders_inert(
    qtbot: QtBot, make_window: Callable[..., MainWindow], registry: Registry
) -> None:
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
        tx.touched(ChangeKind.ITEMS, item_id)
    opened: list[QUrl] = []
    pane = ConversationPane(ZoneInfo("Europe/London"), open_url=opened.append)
    qtbot.addWidget(pane)
    blocked: list[str] = []
    pane.remote_request_blocked.connect(blocked.append)
    pane.show_conversation(conversation.load(f, item_id, registry=registry))
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


def _open(qtbot: QtBot, w: MainWindow, search: str) -> int:
    """Run a search and open its first item, as an officer would."""
    w.search.setText(search)
    w._on_search_entered()
    settle(qtbot, w)
    assert w.inbox.model.rowCount() >= 1, search
    item_id = w.inbox.model.ids[0]
    w.inbox.select_item(item_id)
    settle(qtbot, w)
    return item_id


def test_composer_counts_fills_saved_reply_and_autosaves(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window("d.hughes")
    f = w._ctx.factory
    item_id = _open(qtbot, w, "channel:blog from:mark")
    assert w.composer.can_reply and w.composer.counter.text() == "0 / 65525"
    # The demo blog is demo data: the composer works, and says the reply is never published.
    assert w.composer.notice.isVisible() and "never published" in w.composer.notice.text()
    w.composer.editor.setPlainText("x" * 65_526)
    assert w.composer.counter.text() == "65526 / 65525"
    assert not w.composer.submit_button.isEnabled()
    w.composer.editor.clear()
    assert w.composer.saved.findText("Short: report it") == -1  # Bluesky's variant only
    index = w.composer.saved.findText("Report it properly")
    assert index > 0
    w.composer.saved.activated.emit(index)
    settle(qtbot, w)
    body = w.composer.editor.toPlainText()
    assert body.startswith("Hi Mark, thanks for telling us") and f"FC-{item_id}" in body
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
    assert w.status_label.text() == (
        f"Reply #{drafts[0].id} held for review: "
        "replies by officers are approved by a supervisor first"
    )
    assert w.composer.editor.toPlainText() == ""  # the next keystroke starts a new reply


def test_feed_entries_are_read_only(qtbot: QtBot, make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    _open(qtbot, w, "channel:feed")
    assert not w.composer.can_reply and not w.composer.editor.isEnabled()
    assert "read-only" in w.composer.notice.text()


def test_composer_is_disabled_with_the_reason_where_no_connector_can_send(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window("d.hughes")
    # Every demo kind has a connector now: a channel of a kind Front Counter cannot reach.
    other = add_channel(w._ctx.factory, "Myspace page", "myspace")
    add_item(w._ctx.factory, other, "ms-1", "Anyone there?", author="Tom Anderson")
    item_id = _open(qtbot, w, "channel:myspace")
    c = w.composer
    assert not c.can_reply
    assert not c.editor.isEnabled() and not c.submit_button.isEnabled()
    assert c.notice.isVisible()
    assert "No reply from here: Front Counter cannot send to myspace yet (no connector)" in (
        c.notice.text()
    )
    w.list.setFocus()
    qtbot.keyClick(w.list, Qt.Key.Key_R)  # the reply key does not lead into a dead composer
    assert not c.editor.hasFocus()
    c.submit()  # nothing to submit, nothing written
    settle(qtbot, w)
    with w._ctx.factory() as s:
        assert s.query(Reply).filter(Reply.item_id == item_id).count() == 0
    save_shot(c, "composer-no-connector.png")
    assert c.grab().save("/tmp/composer-disabled.png")


def test_composer_says_when_the_policy_holds_a_supervisors_reply(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window("g.okafor")
    item_id = _open(qtbot, w, "channel:blog from:helen")  # escalated in the demo
    assert w.composer.submit_button.text() == "Send"
    w.composer.editor.setPlainText("Helen, the inspector will call you today.")
    w.composer.submit_button.click()
    settle(qtbot, w)
    with w._ctx.factory() as s:
        reply_id, state = s.query(Reply.id, Reply.state).filter(Reply.item_id == item_id).one()
    assert state == ReplyState.IN_REVIEW
    assert w.status_label.text() == f"Reply #{reply_id} held for review: item is escalated"
    assert w.composer.state.text() == w.status_label.text()


def test_a_returned_reply_is_fixed_in_the_composer_and_that_reply_goes_back(
    qtbot: QtBot, make_window: Callable[..., MainWindow], registry: Registry
) -> None:
    from services.answers import review
    from services.workspace.users import find_user

    w = make_window("d.hughes")
    f = w._ctx.factory
    dan, grace = w._ctx.actor, find_user(f, "g.okafor")
    item_id = _open(qtbot, w, "channel:blog from:gordon")
    draft = replies.save_draft(f, dan, item_id, "Call 999 about the parking.", registry=registry)
    replies.submit(f, dan, draft.reply_id, registry=registry)
    review.return_reply(f, grace, draft.reply_id, "Not an emergency: give 101")
    _open(qtbot, w, "channel:blog from:mark")  # away and back, as after a notification
    _open(qtbot, w, "channel:blog from:gordon")
    assert "returned: Not an emergency" in w.composer.state.text()
    assert w.composer.editor.toPlainText() == "Call 999 about the parking."
    w.composer.editor.setPlainText("Call 101 about the parking, quoting FC-1.")
    w.composer.submit_button.click()
    settle(qtbot, w)
    with f() as s:
        rows = s.query(Reply.id, Reply.state, Reply.body).filter(Reply.item_id == item_id).all()
    assert [tuple(r) for r in rows] == [
        (draft.reply_id, ReplyState.IN_REVIEW, "Call 101 about the parking, quoting FC-1.")
    ]


def test_moderation_key_queues_a_request_for_the_worker(
    qtbot: QtBot, make_window: Callable[..., MainWindow], registry: Registry
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
    conv = conversation.load(w._ctx.factory, w.inbox.model.ids[blog], registry=registry)
    assert [(m.action, m.state) for m in conv.moderation] == [("spam", "pending")]
    assert "waiting for the sync worker" in w.pane.toPlainText()
