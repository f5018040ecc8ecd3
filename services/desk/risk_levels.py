"""What a risk flag is, apart from the classifier that raises it: the levels and their rank,
a stored reason, and which items are flagged.

The list, search, the welfare veil and the conversation read flags from the first rows on;
the classifier (services/desk/risk.py: rules, phrases, text matching) loads only when an
item is classified or the rules are read or edited: 8-9 ms of every start, measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_

from services.store.models import Item


class RiskLevel(StrEnum):
    URGENT = "urgent"
    WATCH = "watch"


URGENT, WATCH = RiskLevel.URGENT.value, RiskLevel.WATCH.value
_RANK = {None: 0, WATCH: 1, URGENT: 2}


def rank(level: str | None) -> int:
    return _RANK.get(level, 0)


@dataclass(frozen=True)
class Reason:
    rule_id: str
    category: str
    level: RiskLevel
    matched: tuple[str, ...]  # the public's own words, in the order written
    explanation: str


def reasons_from_json(data: Sequence[dict[str, Any]] | None) -> tuple[Reason, ...]:
    out: list[Reason] = []
    for r in data or ():
        try:
            level = RiskLevel(str(r.get("level")))
        except ValueError:
            continue
        out.append(
            Reason(
                str(r.get("rule_id", "")),
                str(r.get("category", "")),
                level,
                tuple(str(m) for m in r.get("matched") or ()),
                str(r.get("explanation", "")),
            )
        )
    return tuple(out)


def auto_level(reasons: Sequence[dict[str, Any]] | None) -> str | None:
    """The classifier's level, read back from its stored reasons."""
    levels = [r.get("level") for r in reasons or ()]
    return max(levels, key=rank, default=None) if levels else None


def flagged() -> ColumnElement[bool]:
    """Items that carry a risk level (the rules' finding or an override): `is:risk`, the veil.

    Each level by name, along ix_item_risk: `IS NOT NULL` alone made SQLite without
    statistics scan every item (0.35-0.55 s at a million). IS NOT NULL stays beside it so
    that the negation (`-is:risk`) is true for the unflagged, not NULL.
    """
    levels = [level.value for level in RiskLevel]
    return and_(Item.risk_level.is_not(None), Item.risk_level.in_(levels))
