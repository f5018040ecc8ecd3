"""Which items this person sees veiled (distressing, not yet revealed): the list and the pane ask here.

The rule is services/records/welfare.py's; this keeps its answer for the GUI,
reloaded off the GUI thread when items change, and carries out a reveal.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from services.records import welfare
from ui.context import UiContext


class Veil(QObject):
    changed = Signal()
    """The set of veiled items moved: repaint the list, re-show the pane."""

    def __init__(self, ctx: UiContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._ids: frozenset[int] = frozenset()

    def is_veiled(self, item_id: int) -> bool:
        return item_id in self._ids

    def reload(self) -> None:
        f, user = self._ctx.factory, self._ctx.actor.id
        self._ctx.jobs.run("welfare-veil", lambda: welfare.veiled_for(f, user), self._loaded)

    def _loaded(self, ids: frozenset[int]) -> None:
        if ids != self._ids:
            self._ids = ids
            self.changed.emit()

    def reveal(self, item_id: int, then: Callable[[], None] | None = None) -> None:
        """The person chose to see it: recorded (audited, per person), then shown."""
        f, actor = self._ctx.factory, self._ctx.actor
        self._ids = self._ids - {item_id}  # shown at once; the job records it

        def done(_changes: object) -> None:
            self.changed.emit()
            if then is not None:
                then()

        self._ctx.jobs.run(
            f"welfare-reveal-{item_id}", lambda: welfare.reveal(f, actor, item_id), done
        )
