"""The top of the composer: who else is replying to this item, and replies already on their way.

The rules (when a presence counts, which replies are pending) are services/desk/presence.py's;
this widget asks it off the GUI thread and formats the answer. It also tells the service
when this person starts replying (the editor got focus) and stops (another item, a reply
submitted, the window closed), and keeps their presence fresh with a heartbeat.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget
from shiboken6 import isValid

from services.desk import presence
from services.desk.presence import Replier
from services.workspace.changes import ChangeKind, Changes
from ui.context import UiContext

if TYPE_CHECKING:  # loaded with the first conversation, after the first rows
    from services.inbox.conversation import ReplyView

_PENDING_WORDS = {
    "in_review": "is waiting for review",
    "approved": "is approved and goes out with the next sync",
    "sending": "is being sent now",
}
_EXCERPT = 90


def _ok(_result: object) -> None:
    """A presence write needs no answer: others hear of it through the change feed."""


def replying_html(others: Sequence[Replier], tz: ZoneInfo) -> str:
    """'<b>PC 4521 Dan Hughes is replying</b> (since 14:02). Check …', or '' when nobody else is."""
    if not others:
        return ""
    names = [o.label for o in others]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    verb = "is" if len(names) == 1 else "are"
    since = others[0].started_at.astimezone(tz).strftime("%H:%M")
    return (
        f"<b>{escape(who)} {verb} replying</b> (since {since}). Check with them before "
        "you write: the public should get one answer."
    )


def pending_html(pending: Sequence[ReplyView]) -> str:
    """One line per reply already on its way, with the start of its text."""
    lines = []
    for r in pending:
        body = " ".join(r.body.split())
        excerpt = body if len(body) <= _EXCERPT else body[: _EXCERPT - 1] + "…"
        state = _PENDING_WORDS.get(r.state, r.state)
        lines.append(f"<b>Reply #{r.id} by {escape(r.author)} {state}:</b> “{escape(excerpt)}”")
    return "<br>".join(lines)


class ReplyWatch(QWidget):
    """Shows the "is replying" banner and pending replies; holds this person's own presence."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reply_watch")
        self._ctx = ctx
        self._item_id: int | None = None
        self._replying_on: int | None = None  # the item this person told others they reply to
        self.others: list[Replier] = []
        self._queue: deque[tuple[Callable[[], object], Callable[[], None]]] = deque()
        self.replying = QLabel("")
        self.replying.setObjectName("replying_banner")
        self.replying.setAccessibleName("Someone else is replying")
        self.replying.setTextFormat(Qt.TextFormat.RichText)
        self.replying.setWordWrap(True)
        self.replying.setStyleSheet(
            "color: #7a4f01; background: #fef7e0; border: 1px solid #f9ab00;"
            " padding: 4px; border-radius: 3px"
        )
        self.pending = QLabel("")
        self.pending.setObjectName("pending_replies")
        self.pending.setAccessibleName("Replies already on their way")
        self.pending.setTextFormat(Qt.TextFormat.RichText)
        self.pending.setWordWrap(True)
        self.pending.setStyleSheet(
            "color: #0b3d91; background: #e8f0fe; padding: 4px; border-radius: 3px"
        )
        for label in (self.replying, self.pending):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 2)
        layout.setSpacing(3)
        layout.addWidget(self.replying)
        layout.addWidget(self.pending)
        # One beat keeps this person's presence fresh and lets a dead desktop's banner expire.
        self.beat = QTimer(self)
        self.beat.setInterval(int(presence.HEARTBEAT.total_seconds() * 1000))
        self.beat.timeout.connect(self._on_beat)

    @property
    def replying_on(self) -> int | None:
        """The item this person is shown replying to, or None."""
        return self._replying_on

    def show_item(self, item_id: int | None, replies: Sequence[ReplyView]) -> None:
        """The composer moved to `item_id` (None: no item): leave the old one, look at the new."""
        if item_id != self._item_id:
            self.leave()
            self.others = []
            self.replying.hide()
        self._item_id = item_id
        self.show_pending(replies)
        if item_id is None:
            self.beat.stop()
            return
        self.beat.start()
        self.refresh_others()

    def show_pending(self, replies: Sequence[ReplyView]) -> None:
        waiting = presence.pending(replies)
        self.pending.setText(pending_html(waiting))
        self.pending.setVisible(bool(waiting))

    def begin(self) -> None:
        """This person started writing on the current item: others see them replying."""
        item_id = self._item_id
        if item_id is None or self._replying_on == item_id:
            return
        self._replying_on = item_id
        f, actor = self._ctx.factory, self._ctx.actor
        self._write(lambda: presence.start(f, actor, item_id), lambda: self._forget(item_id))

    def leave(self, closing: bool = False) -> None:
        """This person is no longer replying to the item they were (if any).

        `closing`: the window is going, and its queue with it: the stop is started at once.
        """
        item_id, self._replying_on = self._replying_on, None
        if item_id is None:
            return
        f, actor = self._ctx.factory, self._ctx.actor
        if closing:
            self._ctx.jobs.run("presence.closing", lambda: presence.stop(f, actor, item_id), _ok)
        else:
            self._write(lambda: presence.stop(f, actor, item_id), lambda: None)

    def _write(self, fn: Callable[[], object], failed: Callable[[], None]) -> None:
        """Presence writes one after another, in order: a stop never overtakes its start."""
        self._queue.append((fn, failed))
        if len(self._queue) == 1:
            self._next_write()

    def _next_write(self) -> None:
        fn, failed = self._queue[0]

        def finished(error: bool) -> None:
            self._queue.popleft()
            if error:
                failed()
            if self._queue:
                self._next_write()

        self._ctx.jobs.run(
            "presence.write",  # one at a time: never superseded
            fn,
            lambda _r: finished(False),
            lambda _exc: finished(True),  # a lost start shows nobody; the next focus tries again
        )

    def apply_changes(self, changes: Changes) -> None:
        """Someone started or stopped replying somewhere, or a reply moved: look again."""
        if self._item_id is None or not changes.touches(ChangeKind.PRESENCE):
            return
        if not changes.item_ids or self._item_id in changes.item_ids:
            self.refresh_others()

    def refresh_others(self) -> None:
        item_id = self._item_id
        if item_id is None:
            return
        f, me = self._ctx.factory, self._ctx.actor.id
        self._ctx.jobs.run(
            "presence.who",
            lambda: presence.who_is_replying(f, item_id, besides=me),
            lambda found: self._on_others(item_id, found),
            lambda _exc: None,  # the next beat or change asks again
        )

    def _on_others(self, item_id: int, found: list[Replier]) -> None:
        # A window closed while the answer was on its way has no label left to set.
        if item_id != self._item_id or not isValid(self.replying):
            return
        self.others = found
        self.replying.setText(replying_html(found, self._ctx.tz))
        self.replying.setVisible(bool(found))

    def _on_beat(self) -> None:
        item_id = self._replying_on
        if item_id is not None and not self._queue:  # a beat while a write waits is moot
            f, actor = self._ctx.factory, self._ctx.actor
            # A missed beat is made up by the next one.
            self._write(lambda: presence.heartbeat(f, actor, item_id), lambda: None)
        self.refresh_others()

    def _forget(self, item_id: int) -> None:
        if self._replying_on == item_id:
            self._replying_on = None
