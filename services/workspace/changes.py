"""What a use case changed: the value every pane inspects to decide what to refresh."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class ChangeKind(enum.StrEnum):
    """What sort of rows a change touched: panes refresh by these; the change feed stores them."""

    CHANNELS = "channels"
    ESCALATIONS = "escalations"
    ITEMS = "items"
    NOTES = "notes"
    PRESENCE = "presence"  # someone opened or left the composer on an item (not audited)
    REFERENCES = "references"
    REPLIES = "replies"
    RISK = "risk"
    RISK_RULES = "risk_rules"
    SAVED_REPLIES = "saved_replies"
    SAVED_SEARCHES = "saved_searches"
    SETTINGS = "settings"
    TAGS = "tags"
    TEAMS = "teams"
    USERS = "users"


@dataclass(frozen=True)
class Changes:
    kinds: frozenset[ChangeKind] = field(default_factory=frozenset)
    item_ids: frozenset[int] = field(default_factory=frozenset)

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.kinds | other.kinds, self.item_ids | other.item_ids)

    def touches(self, *kinds: ChangeKind) -> bool:
        return bool(self.kinds.intersection(kinds))

    @property
    def empty(self) -> bool:
        return not self.kinds and not self.item_ids


@dataclass(frozen=True)
class ItemBefore:
    """One item a change touched: what it was before, and the version the change left it at."""

    item_id: int
    version_after: int
    before: dict[str, Any]


@dataclass(frozen=True)
class UndoToken:
    """How to reverse one triage change (services/inbox/undo.py), recorded when it was made.

    Only items the change really altered are listed; undo refuses, as a whole, when
    any of them has moved past `version_after` since (a colleague's change is never lost).
    """

    action: str  # "status", "assign", "tag" or "untag": the use case that made the change
    description: str  # for "undone: …"
    items: tuple[ItemBefore, ...]
    tag: str | None = None


@dataclass(frozen=True)
class Applied(Changes):
    """What a reversible use case changed, and how to undo it (None when it changed nothing)."""

    undo: UndoToken | None = None
