"""Risk rules as workspace data: listed, tested, added and removed by admins, versioned and audited.

Each change writes a new `risk_rule_set` revision holding the whole rule set
(RuleSet.dumps()), so any earlier version can be read back and every item
names the version that classified it. The first change starts from the
shipped defaults. The worker then re-classifies open items
(risk_store.reclassify_stale).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.desk.risk import Rule, RuleError, RuleSet, explain
from services.desk.risk_store import ActiveRules, active_rules, digest
from services.errors import InvalidInput
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models_desk import RiskRuleSet
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import Transaction, write_transaction

MAX_SOURCE_BYTES = 2_000_000
MAX_TEST_CHARS = 100_000


@dataclass(frozen=True)
class RulesInForce:
    revision: int | None  # None: the shipped defaults
    version: str
    rules: tuple[Rule, ...]
    guards: tuple[str, ...]


@dataclass(frozen=True)
class RulesChanged:
    revision: int
    version: str
    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def _in_force(active: ActiveRules) -> RulesInForce:
    return RulesInForce(
        active.revision,
        active.version,
        active.rules.rules,
        tuple(g.id for g in active.rules.guards),
    )


def list_rules(factory: SessionFactory) -> RulesInForce:
    with factory() as s:
        return _in_force(active_rules(s))


def rules_json(factory: SessionFactory) -> str:
    """The rules in force as a rule file (what `risk rules add` and RuleSet.from_json read)."""
    with factory() as s:
        return active_rules(s).rules.dumps()


def explain_text(factory: SessionFactory, text: str) -> str:
    """What the rules in force make of `text`: the level, the rules that fire, what guards did."""
    if len(text) > MAX_TEST_CHARS:
        raise InvalidInput(f"a test text is at most {MAX_TEST_CHARS:,} characters")
    with factory() as s:
        active = active_rules(s)
    header = f"rules: {'revision ' + str(active.revision) if active.revision else 'defaults'}"
    return f"{header} (version {active.version[:12]})\n{explain(text, active.rules)}"


def read_source(source: str) -> str:
    """FILE_OR_JSON: the text of a file when `source` names one, else `source` itself."""
    stripped = source.lstrip()
    if stripped.startswith(("{", "[")):
        return source
    path = Path(source).expanduser()
    if not path.is_file():
        raise InvalidInput(f"{source!r} is neither JSON (starting with {{ or [) nor a file")
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise InvalidInput(f"{path} is larger than {MAX_SOURCE_BYTES:,} bytes")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None


def _rules_from(text: str) -> list[Rule]:
    """One rule object, a list of them, or a rule file's {"rules": [...]}; each validated."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RuleError(
            [f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]
        ) from None
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    items: list[Any] = data if isinstance(data, list) else [data]
    if not items:
        raise RuleError(["no rule given"])
    return [Rule.from_json(d) for d in items]


def _write(
    tx: Transaction, rules: RuleSet, change: str, before: ActiveRules, audit: dict[str, Any]
) -> RulesChanged:
    body = rules.dumps()
    row = RiskRuleSet(
        body=body,
        digest=digest(body),
        change=change[:300],
        created_by_id=tx.actor.id if tx.actor else None,
    )
    tx.session.add(row)
    tx.session.flush()
    tx.audit(
        AuditAction.RISK_RULES,
        "risk_rule_set",
        row.id,
        {"revision": before.revision, "version": before.version},
        {"revision": row.id, "version": row.digest, **audit},
    )
    tx.touched(ChangeKind.RISK_RULES)
    return RulesChanged(row.id, row.digest)


def add_rules(factory: SessionFactory, actor: Actor, source: str) -> RulesChanged:
    """Add rules (or replace those of the same id) from JSON text; admins only."""
    actor.require(Permission.MANAGE)
    new = _rules_from(source)
    with write_transaction(factory, actor) as tx:
        before = active_rules(tx.session)
        rules = before.rules
        added: list[str] = []
        replaced: list[str] = []
        for rule in new:
            (replaced if rules.rule(rule.id) is not None else added).append(rule.id)
            rules = rules.with_rule(rule)
        change = "; ".join(
            part
            for part in (
                f"added {', '.join(added)}" if added else "",
                f"replaced {', '.join(replaced)}" if replaced else "",
            )
            if part
        )
        done = _write(
            tx, rules, change, before, {"rules": [r.to_json() for r in new], "change": change}
        )
        return RulesChanged(done.revision, done.version, tuple(added), tuple(replaced))


def remove_rule(factory: SessionFactory, actor: Actor, rule_id: str) -> RulesChanged:
    """Remove one rule by id; admins only. The last rule cannot go (a set needs one)."""
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        before = active_rules(tx.session)
        old = before.rules.rule(rule_id)
        rules = before.rules.without_rule(rule_id)
        if not rules.rules:
            raise RuleError(["the last rule cannot be removed: a rule set needs at least one"])
        assert old is not None  # without_rule refused an unknown id
        done = _write(tx, rules, f"removed {rule_id}", before, {"removed": old.to_json()})
        return RulesChanged(done.revision, done.version, removed=(rule_id,))
