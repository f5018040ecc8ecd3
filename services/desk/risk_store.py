"""Risk triage stored on items: the level views filter on, its reasons, and a person's override.

The classifier (services/desk/risk.py) reads an inbound item's text when it
arrives and again when it is edited on its platform (services/channels/ingest.py,
services/channels/sync.py's reconcile). Its finding is kept whole (`risk_reasons`, the
rules version that produced it); `risk_level` is that finding unless a person
set an override, which re-classification never undoes. Every move of the
level is a `risk_change` row (the report's flags raised and cleared); a rise
to urgent is also a "risk" change-feed kind the desktop notifies on.

When the rules change, `reclassify_stale` (called by the worker) re-reads the
open items assessed under another version, a batch at a time.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from services.desk.risk import Assessment, RuleSet, classify
from services.desk.risk_levels import URGENT, WATCH, auto_level, rank
from services.errors import InvalidInput
from services.inbox.item_versions import load_items
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models import Direction, Item, Status
from services.store.models_audit import Setting
from services.store.models_desk import RiskChange, RiskRuleSet
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind, Changes
from services.workspace.unit_of_work import write_transaction

OVERRIDES = (URGENT, WATCH, "none")
# Items still being worked: re-classified when the rules change (done and spam keep their finding).
OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.SNOOZED)
STALE_BATCH = 500
_SWEPT_KEY = "risk_swept"  # the rules version every open item was last brought up to
MAX_REASON_CHARS = 2000


def digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ActiveRules:
    rules: RuleSet
    version: str  # sha256 of rules.dumps(): what items record as risk_rules_version
    revision: int | None  # the workspace revision in force; None: the shipped defaults


# Parsing a rule set takes ~20 ms and hashing it a quarter of one; both are pure functions
# of its text, so each version is parsed and hashed once per process, not once per ingest page.
@functools.lru_cache(maxsize=4)
def _parsed(body: str) -> tuple[RuleSet, str]:
    return RuleSet.from_json(body), digest(body)


@functools.lru_cache(maxsize=1)
def default_body() -> str:
    return RuleSet.default().dumps()


def active_rules(session: Session) -> ActiveRules:
    """The workspace's rules in force (its latest revision), else the shipped defaults."""
    row = session.execute(
        select(RiskRuleSet.id, RiskRuleSet.body).order_by(RiskRuleSet.id.desc()).limit(1)
    ).first()
    if row is None:
        return ActiveRules(*_parsed(default_body()), None)
    return ActiveRules(*_parsed(row.body), row.id)


def effective(auto: str | None, override: str | None) -> str | None:
    """The level an item shows: a person's override wins over the classifier."""
    if override is None:
        return auto
    return None if override == "none" else override


def reasons_json(assessment: Assessment) -> list[dict[str, Any]] | None:
    if not assessment.reasons:
        return None
    return [
        {
            "rule_id": r.rule_id,
            "category": r.category,
            "level": r.level.value,
            "matched": list(r.matched),
            "explanation": r.explanation,
        }
        for r in assessment.reasons
    ]


# ---- ingest ----------------------------------------------------------------------


@dataclass
class IngestRisk:
    """Classifies the inbound items one ingest batch inserts or edits; rules read on first need."""

    session: Session
    now: datetime
    _rules: ActiveRules | None = None
    # The item, or a new row's values (its "id" set once inserted), with the levels it moved by.
    _moved: list[tuple[Item | dict[str, Any], str | None, str | None]] = field(default_factory=list)

    def _active(self) -> ActiveRules:
        if self._rules is None:
            self._rules = active_rules(self.session)
        return self._rules

    def assess(self, item: Item) -> None:
        if item.direction != Direction.INBOUND:
            return
        before, after = apply(item, self._active(), self.now)
        if before != after:
            self._moved.append((item, before, after))

    def assess_new(self, row: dict[str, Any]) -> None:
        """A new item's risk columns, set in the values of its row before the insert."""
        if row["direction"] != Direction.INBOUND:
            return
        row.update(risk_columns(row["body_text"], None, self._active(), self.now))
        if row["risk_level"] is not None:
            self._moved.append((row, None, row["risk_level"]))

    def record(self) -> list[int]:
        """After the batch's insert (ids assigned): one risk_change row per move; ids now urgent."""
        version = self._rules.version if self._rules else None
        raised: list[int] = []
        for moved, before, after in self._moved:
            item_id = int(moved["id"]) if isinstance(moved, dict) else moved.id
            self.session.add(
                RiskChange(
                    item_id=item_id,
                    at=self.now,
                    level_before=before,
                    level_after=after,
                    rules_version=version,
                )
            )
            if after == URGENT:
                raised.append(item_id)
        self._moved.clear()
        return raised


def risk_columns(
    text: str | None, override: str | None, rules: ActiveRules, now: datetime
) -> dict[str, Any]:
    """An item's risk columns for its text: the classifier's finding, a person's override kept."""
    found = classify(text or "", rules.rules)
    return {
        "risk_reasons": reasons_json(found),
        "risk_rules_version": rules.version,
        "risk_assessed_at": now,
        "risk_level": effective(found.level.value if found.level else None, override),
    }


def apply(item: Item, rules: ActiveRules, now: datetime) -> tuple[str | None, str | None]:
    """Classify the item's text and set its risk columns; the level before and after."""
    before = item.risk_level
    for column, value in risk_columns(item.body_text, item.risk_override, rules, now).items():
        setattr(item, column, value)
    return before, item.risk_level


# ---- rules changed: the worker catches up ------------------------------------------


def _stale(rules: ActiveRules) -> Any:
    return (
        Item.direction == Direction.INBOUND,
        Item.status.in_(OPEN_STATUSES),
        or_(Item.risk_rules_version.is_(None), Item.risk_rules_version != rules.version),
    )


def reclassify_stale(factory: SessionFactory, limit: int = STALE_BATCH) -> int:
    """Re-classify up to `limit` open items assessed under other rules; how many were read.

    Cheap when there is nothing to do (the usual tick): a setting row remembers the version
    every open item was brought up to. Rows are updated without moving their version
    column: a new finding is no reason to refuse the officer's next action on the item.
    """
    with factory() as s:
        rules = active_rules(s)
        swept = s.get(Setting, _SWEPT_KEY)
        if swept is not None and swept.value.get("version") == rules.version:
            return 0
    with write_transaction(factory, None) as tx:
        rules = active_rules(tx.session)
        rows = tx.session.execute(
            select(Item.id, Item.body_text, Item.risk_level, Item.risk_override)
            .where(*_stale(rules))
            .order_by(Item.id)
            .limit(limit)
        ).all()
        if not rows:
            row = tx.session.get(Setting, _SWEPT_KEY)
            if row is None:
                tx.session.add(Setting(key=_SWEPT_KEY, value={"version": rules.version}))
            else:
                row.value = {"version": rules.version}
            return 0
        params: list[dict[str, Any]] = []
        raised: list[int] = []
        for item_id, text, before, override in rows:
            found = classify(text or "", rules.rules)
            after = effective(found.level.value if found.level else None, override)
            params.append(
                {
                    "b_id": item_id,
                    "risk_level": after,
                    "risk_reasons": reasons_json(found),
                    "risk_rules_version": rules.version,
                    "risk_assessed_at": tx.now,
                }
            )
            if after != before:
                tx.session.add(
                    RiskChange(
                        item_id=item_id,
                        at=tx.now,
                        level_before=before,
                        level_after=after,
                        rules_version=rules.version,
                    )
                )
                tx.touched(ChangeKind.ITEMS, item_id)
                if after == URGENT:
                    raised.append(item_id)
        table = Item.__table__
        assert isinstance(table, Table)
        tx.session.execute(
            update(table).where(table.c.id == bindparam("b_id")),
            params,
            execution_options={"synchronize_session": False},
        )
        if raised:
            tx.touched(ChangeKind.RISK, *raised)
        return len(rows)


# ---- a person decides --------------------------------------------------------------


def set_override(
    factory: SessionFactory,
    actor: Actor,
    item_id: int,
    level: str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Changes:
    """Set an item's risk level by hand (urgent, watch, none) or hand it back to the rules (auto).

    Clearing or lowering needs a reason; it is kept with the change and in the audit trail.
    """
    actor.require(Permission.TRIAGE)
    if level not in (*OVERRIDES, "auto"):
        raise InvalidInput(f"risk level must be urgent, watch, none or auto (got {level!r})")
    reason = " ".join((reason or "").split()) or None
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"a reason is at most {MAX_REASON_CHARS:,} characters")
    with write_transaction(factory, actor) as tx:
        expected = {item_id: expected_version} if expected_version is not None else None
        item = load_items(tx, [item_id], expected)[0]
        override = None if level == "auto" else level
        before = item.risk_level
        after = effective(auto_level(item.risk_reasons), override)
        if rank(after) < rank(before) and reason is None:
            raise InvalidInput(
                f"item #{item.id} is flagged {before}: lowering or clearing the flag needs a "
                "reason (--reason), kept in the audit trail"
            )
        if override == item.risk_override and after == before:
            return tx.changes()
        snapshot = {"risk": before, "override": item.risk_override}
        item.risk_override = override
        item.risk_level = after
        tx.session.add(
            RiskChange(
                item_id=item.id,
                at=tx.now,
                level_before=before,
                level_after=after,
                by_id=actor.id,
                reason=reason,
                rules_version=item.risk_rules_version,
            )
        )
        tx.audit(
            AuditAction.ITEM_RISK,
            "item",
            item.id,
            snapshot,
            {"risk": after, "override": override, "reason": reason},
        )
        tx.touched(ChangeKind.ITEMS, item.id)
        if after == URGENT and before != URGENT:
            tx.touched(ChangeKind.RISK, item.id)
        return tx.changes()
