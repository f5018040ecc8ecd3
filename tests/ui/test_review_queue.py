"""A supervisor works the review queue; the officer then sees what came back and why."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from services.answers import replies
from services.channels.protocol import Registry
from services.inbox import listing as inbox
from services.store.db import make_session_factory
from services.store.models import Reply, ReplyState
from services.workspace.users import find_user
from tests.ui.conftest import save_shot, settle
from tests.ui.test_keyboard_flow import modal
from ui.dialogs.triage_dialogs import NameDialog
from ui.main_window import MainWindow
from ui.models.inbox_model import InboxModel


def test_approve_edit_and_return_then_the_author_sees_the_reason(
    qtbot: QtBot, make_window: Callable[..., MainWindow], registry: Registry
) -> None:
    sergeant = make_window("g.okafor")
    f = sergeant._ctx.factory
    dan = find_user(f, "d.hughes")
    targets = list(inbox.item_ids(f, inbox.Query("is:inbox -is:escalated channel:blog")))[:3]
    assert len(targets) == 3
    reply_ids = []
    for n, item_id in enumerate(targets):
        draft = replies.save_draft(
            f, dan, item_id, f"Hello, this is draft number {n} from Dan.", registry=registry
        )
        replies.submit(f, dan, draft.reply_id, registry=registry)
        reply_ids.append(draft.reply_id)
    sergeant.sidebar.select_view("review")
    settle(qtbot, sergeant)
    assert sorted(sergeant.inbox.model.ids) == sorted(targets)

    def open_item(item_id: int) -> None:
        sergeant.inbox.select_item(item_id)
        settle(qtbot, sergeant)
        assert sergeant.review_panel.isVisible()

    # 1. approve as written, with Ctrl+Enter
    open_item(targets[0])
    qtbot.keyClick(sergeant.list, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, sergeant)
    assert sergeant.status_label.text() == (  # the demo blog publishes nothing, and says so
        "Reply approved — demo data: a reply here goes through review but is never published"
    )
    # 2. edit, see the diff, approve the edit
    open_item(targets[1])
    sergeant.review_panel.editor.setPlainText("Hello, this is the corrected reply from Dan.")
    assert (
        sergeant.review_panel.diff.isVisible() and "corrected" in sergeant.review_panel.diff.text()
    )
    save_shot(sergeant, "review-queue-edit.png")
    sergeant.review_panel.approve_button.click()
    settle(qtbot, sergeant)
    # 3. return with a reason
    open_item(targets[2])
    sergeant.review_panel.return_button.click()
    dialog = modal(qtbot, NameDialog)
    assert isinstance(dialog, NameDialog)
    qtbot.keyClicks(dialog.edit, "Give the 101 number and a reference")
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    settle(qtbot, sergeant)

    with f() as s:
        rows = {r.id: r for r in s.scalars(select(Reply).where(Reply.id.in_(reply_ids)))}
    first, second, third = (rows[i] for i in reply_ids)
    assert (first.state, first.body) == (
        ReplyState.APPROVED,
        "Hello, this is draft number 0 from Dan.",
    )
    assert (second.state, second.body) == (
        ReplyState.APPROVED,
        "Hello, this is the corrected reply from Dan.",
    )
    assert (third.state, third.review_reason) == (
        ReplyState.RETURNED,
        "Give the 101 number and a reference",
    )
    assert second.reviewer_id == sergeant._ctx.actor.id
    assert sergeant.inbox.model.rowCount() == 0  # the queue is empty

    dan_window = make_window("d.hughes")
    assert dan_window.sidebar._views["returned"].text(1) == "1"  # the count shows before opening it
    dan_window.sidebar.select_view("returned")
    settle(qtbot, dan_window)
    assert list(dan_window.inbox.model.ids) == [targets[2]]
    assert "returned: Give the 101 number" in dan_window.composer.state.text()
    assert dan_window.composer.editor.toPlainText() == "Hello, this is draft number 2 from Dan."
    chips = dan_window.inbox.model.index(0, 6).data(InboxModel.ChipsRole)
    assert [c.text for c in chips] == ["returned"]
    save_shot(dan_window, "returned-to-author.png")


def test_author_is_notified_when_a_reply_is_returned(
    qtbot: QtBot, make_window: Callable[..., MainWindow], registry: Registry
) -> None:
    dan_window = make_window("d.hughes", live=True)
    f = dan_window._ctx.factory
    dan, grace = find_user(f, "d.hughes"), find_user(f, "g.okafor")
    item_id = next(iter(inbox.item_ids(f, inbox.Query("is:inbox channel:blog"))))
    draft = replies.save_draft(f, dan, item_id, "A reply", registry=registry)
    replies.submit(f, dan, draft.reply_id, registry=registry)
    from services.answers import review

    sergeants_desktop = make_session_factory(f.kw["bind"])  # another desktop on the database
    with qtbot.waitSignal(dan_window.notifier.notified, timeout=5000) as blocker:
        review.return_reply(sergeants_desktop, grace, draft.reply_id, "Too informal")
    assert blocker.args == [f"Your reply #{draft.reply_id} was returned: Too informal"]
    assert QApplication.instance() is not None
