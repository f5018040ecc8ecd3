"""What a use case changed: the value every pane inspects to decide what to refresh."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Changes:
    kinds: frozenset[str] = field(default_factory=frozenset)
    item_ids: frozenset[int] = field(default_factory=frozenset)

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.kinds | other.kinds, self.item_ids | other.item_ids)

    def touches(self, *kinds: str) -> bool:
        return bool(self.kinds.intersection(kinds))

    @property
    def empty(self) -> bool:
        return not self.kinds and not self.item_ids
