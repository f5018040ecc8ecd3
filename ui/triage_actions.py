"""Triage handlers behind the action registry: each opens its dialog, then calls one service off-thread.

Reversible actions push the undo token their service returned onto a stack; Z hands the
newest to services.inbox.undo, which refuses if a colleague changed those items since.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from services.channels import moderation
from services.desk import escalation, teams
from services.errors import KnownError
from services.inbox import triage
from services.inbox.item_rows import ItemRow
from services.inbox.undo import undo as undo_change
from services.store.models import Status, utcnow
from services.workspace import users
from services.workspace.actor import Actor
from services.workspace.changes import Applied, ChangeKind, Changes, UndoToken
from ui.context import UiContext
from ui.dialogs.triage_dialogs import (
    AssignDialog,
    ChoiceDialog,
    EscalateDialog,
    NoteDialog,
    ReasonDialog,
    SnoozeDialog,
    TagDialog,
)
from ui.inbox_controller import InboxController


class TriageActions(QObject):
    changes_applied = Signal(object)
    """A triage action changed the database: the Changes."""
    message = Signal(str)
    """Feedback for the status bar."""

    def __init__(self, ctx: UiContext, inbox: InboxController, window: QWidget) -> None:
        super().__init__(window)
        self._ctx = ctx
        self._inbox = inbox
        self._window = window
        self.undo_stack: list[UndoToken] = []
        self.known_tags: list[str] = []

    def _run(self, label: str, work: Callable[[], Changes]) -> None:
        def done(changes: Changes) -> None:
            token = changes.undo if isinstance(changes, Applied) else None
            if token is not None:
                self.undo_stack.append(token)
                del self.undo_stack[:-50]
            self.message.emit(label + (" — Z to undo" if token else ""))
            self.changes_applied.emit(changes)

        def failed(exc: Exception) -> None:
            self.message.emit(str(exc) if isinstance(exc, KnownError) else f"Failed: {exc}")
            if isinstance(exc, KnownError):
                self.changes_applied.emit(
                    Changes(frozenset({ChangeKind.ITEMS}), frozenset(self._inbox.selected_ids()))
                )

        self._ctx.jobs.run("triage", work, done, failed)

    def _open(self, dialog: QDialog) -> None:
        # Keyboard flow continues in the list once the dialog is gone, whatever the window manager does.
        dialog.finished.connect(self._return_focus)
        dialog.open()

    def _return_focus(self) -> None:
        self._window.activateWindow()
        self._inbox.view.setFocus()

    def _selection(self) -> tuple[list[int], dict[int, int], list[ItemRow]]:
        return (
            self._inbox.selected_ids(),
            self._inbox.selected_versions(),
            self._inbox.selected_rows(),
        )

    # ---- status ---------------------------------------------------------------
    def set_status(self, status: Status, until: datetime | None = None) -> None:
        ids, versions, rows = self._selection()
        if not ids:
            return
        urgent = [r.id for r in rows if r.risk == "urgent"]
        # The service refuses these without a reason; ask for it instead of showing the refusal.
        if urgent and status in triage.LEAVES_QUEUE:
            dialog = ReasonDialog(status.value, urgent, self._window)
            dialog.submitted.connect(
                lambda reason: self.apply_status(ids, versions, status, until, reason)
            )
            self._open(dialog)
            return
        self.apply_status(ids, versions, status, until)

    def apply_status(
        self,
        ids: list[int],
        versions: dict[int, int],
        status: Status,
        until: datetime | None = None,
        reason: str | None = None,
    ) -> None:
        f, actor = self._ctx.factory, self._ctx.actor
        self._run(
            f"{len(ids)} item(s) marked {status.value}" + (f": {reason}" if reason else ""),
            lambda: triage.set_status(
                f, actor, ids, status, until, expected=versions, reason=reason
            ),
        )

    def done(self) -> None:
        self.set_status(Status.DONE)

    def spam(self) -> None:
        self.set_status(Status.SPAM)

    def snooze(self) -> None:
        if not self._inbox.selected_ids():
            return
        dialog = SnoozeDialog(utcnow(), self._ctx.tz, self._window)
        dialog.submitted.connect(lambda when: self.set_status(Status.SNOOZED, when))
        self._open(dialog)

    # ---- tag / assign -------------------------------------------------------------
    def tag(self) -> None:
        if not self._inbox.selected_ids():
            return
        dialog = TagDialog(self.known_tags, self._window)
        dialog.submitted.connect(self.apply_tag)
        self._open(dialog)

    def apply_tag(self, name: str) -> None:
        ids, versions, _rows = self._selection()
        f, actor = self._ctx.factory, self._ctx.actor
        self._run(
            f"tagged {len(ids)} item(s) #{name}",
            lambda: triage.tag(f, actor, ids, name, expected=versions),
        )

    def assign(self) -> None:
        if not self._inbox.selected_ids():
            return
        f = self._ctx.factory
        self._ctx.jobs.run("triage.users", lambda: users.list_users(f), self._open_assign)

    def _open_assign(self, people: list[Actor]) -> None:
        dialog = AssignDialog([(u.name, u.display_name) for u in people], self._window)
        dialog.submitted.connect(self.apply_assign)
        self._open(dialog)

    def apply_assign(self, user_name: str | None) -> None:
        ids, versions, _rows = self._selection()
        f, actor = self._ctx.factory, self._ctx.actor
        self._run(
            f"assigned {len(ids)} item(s) to {user_name or 'nobody'}",
            lambda: triage.assign(f, actor, ids, user_name, expected=versions),
        )

    # ---- escalate / note ----------------------------------------------------------
    def escalate(self) -> None:
        if not self._inbox.selected_ids():
            return
        f = self._ctx.factory
        self._ctx.jobs.run(
            "triage.users",
            lambda: (users.list_users(f), [t.name for t in teams.list_teams(f)]),
            self._open_escalate,
        )

    def _open_escalate(self, found: tuple[list[Actor], list[str]]) -> None:
        people, team_names = found
        ranked = sorted(people, key=lambda u: (u.role.value != "supervisor", u.display_name))
        dialog = EscalateDialog(
            [(u.name, u.display_name) for u in ranked], team_names, self._window
        )
        dialog.submitted.connect(self.apply_escalate)
        self._open(dialog)

    def apply_escalate(self, to_user: str | None, to_team: str | None, reason: str) -> None:
        ids, versions, _rows = self._selection()
        f, actor = self._ctx.factory, self._ctx.actor
        self._run(
            f"escalated {len(ids)} item(s) to {to_user or to_team}",
            lambda: escalation.escalate(f, actor, ids, reason, to_user, to_team, expected=versions),
        )

    def note(self) -> None:
        if self._inbox.current_id() is None:
            return
        dialog = NoteDialog(self._window)
        dialog.submitted.connect(self.apply_note)
        self._open(dialog)

    def apply_note(self, body: str) -> None:
        item_id = self._inbox.current_id()
        if item_id is None:
            return
        f, actor = self._ctx.factory, self._ctx.actor
        self._run("note added", lambda: triage.add_note(f, actor, item_id, body))

    def moderate(self) -> None:
        rows = self._inbox.selected_rows()
        if len(rows) != 1:
            self.message.emit("Moderate one item at a time")
            return
        actions = self._ctx.registry.moderation_actions(rows[0].channel_kind)
        if not actions:
            self.message.emit(f"{rows[0].channel_name} cannot be moderated from here")
            return
        labels = {
            "approve": "Approve (publish)",
            "hold": "Hold for moderation",
            "spam": "Mark as spam",
            "trash": "Move to the bin",
        }
        dialog = ChoiceDialog(
            f"Moderate on {rows[0].channel_name}",
            [(a, labels.get(a, a)) for a in actions],
            self._window,
        )
        dialog.submitted.connect(lambda action: self.apply_moderation(rows[0].id, action))
        self._open(dialog)

    def apply_moderation(self, item_id: int, action: str) -> None:
        f, actor, registry = self._ctx.factory, self._ctx.actor, self._ctx.registry
        self._run(
            f"{action} requested: the sync worker applies it on the platform",
            lambda: moderation.request(f, actor, item_id, action, registry=registry),
        )

    def undo(self) -> None:
        if not self.undo_stack:
            self.message.emit("Nothing to undo")
            return
        token = self.undo_stack.pop()
        f, actor = self._ctx.factory, self._ctx.actor
        self._run(f"undone: {token.description}", lambda: undo_change(f, actor, token))
