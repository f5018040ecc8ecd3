"""Risk rules as data: the format admins read and edit, its validation, and its JSON.

A rule set is a JSON object with "rules" and "guards" (and an optional "about"
for people). A rule says which phrases raise which risk level:

    {"id": "weapon-seen", "level": "urgent", "category": "weapons",
     "description": "Someone says a weapon is out, here and now.",
     "phrases": ["knife", "machete", "gun"],
     "near": ["got", "with", "waving"], "within": 4,
     "unless": ["kitchen drawer"],
     "guards": {"negation": "drop"}}

- phrases: whole words, any case; `stab*` matches stabbed, stabbing; a lone
  `*` is any one word; `...` is up to three words ("tell my ... i love them").
- near/within: optional; a phrase only counts with one of these words at most
  `within` words away (either side, across sentences).
- unless: optional; a phrase does not count when its sentence also has one of these.
- guards: optional; how this rule answers each guard: "drop" the match,
  "watch" (lower an urgent match to watch) or "ignore" the guard.

A guard is a list of phrases that change how rule matches are read:
- kind "idiom": a match inside one of these phrases is not meant ("kill for").
- kind "negation": one of these at most `within` words before the match, in
  the same clause ("not", "never").
- kind "reported": one of these at most `within` words before the match, in
  the same sentence: news, appeals, hearsay ("the article about").
- kind "context": one of these anywhere in the match's sentence ("last year").
- not_when_part_of: a guard phrase inside one of these does not count
  ("not stop" is no negation in "can't stop thinking about killing myself").
- not_in_sentence_with: the guard does not apply in a sentence with one of
  these ("right now" undoes "last year").
- effect: what the guard does by default: "drop" or "watch".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.desk.risk_phrases import PhraseIndex
from services.desk.risk_rule_parts import (
    Guard,
    Matcher,
    Rule,
    RuleError,
    parse_guard,
    parse_rule,
    suggest,
    unknown_keys,
)

DEFAULT_RULES_FILE = (
    Path(__file__).resolve().parents[2] / "resources" / "risk" / "default_rules.json"
)
FORMAT_VERSION = 1
_TOP_KEYS = ("version", "about", "guards", "rules")


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    guards: tuple[Guard, ...] = ()
    about: str = ""
    index: PhraseIndex = field(init=False, repr=False, compare=False)
    # Matcher identity → its group in `index`.
    groups: dict[int, int] = field(init=False, repr=False, compare=False)
    # The rules' own phrases alone: a message with none of them needs no closer reading.
    first_look: PhraseIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        matchers: list[Matcher] = []
        for r in self.rules:
            matchers += [r.matcher, r.near_matcher, r.unless_matcher]
        for g in self.guards:
            matchers += [g.matcher, g.part_of_matcher, g.sentence_matcher]
        object.__setattr__(self, "index", PhraseIndex([m.patterns for m in matchers]))
        object.__setattr__(self, "groups", {id(m): n for n, m in enumerate(matchers)})
        first_look = PhraseIndex([[p for r in self.rules for p in r.matcher.patterns]])
        object.__setattr__(self, "first_look", first_look)

    @classmethod
    def from_json(cls, source: str | bytes | Mapping[str, Any]) -> RuleSet:
        if isinstance(source, str | bytes):
            try:
                data = json.loads(source)
            except json.JSONDecodeError as exc:
                raise RuleError(
                    [f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]
                ) from None
        else:
            data = source
        return _parse_rule_set(data)

    @classmethod
    def from_file(cls, path: Path) -> RuleSet:
        return cls.from_json(path.read_bytes())

    @classmethod
    def default(cls) -> RuleSet:
        return cls.from_file(DEFAULT_RULES_FILE)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": FORMAT_VERSION}
        if self.about:
            out["about"] = self.about
        out["guards"] = [g.to_json() for g in self.guards]
        out["rules"] = [r.to_json() for r in self.rules]
        return out

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def with_rule(self, rule: Rule) -> RuleSet:
        """This set with `rule` added, or replacing the rule of the same id; validated."""
        rules = [r for r in self.rules if r.id != rule.id] + [rule]
        return _parse_rule_set({**self.to_json(), "rules": [r.to_json() for r in rules]})

    def without_rule(self, rule_id: str) -> RuleSet:
        if self.rule(rule_id) is None:
            raise RuleError([f'there is no rule "{rule_id}"{suggest(rule_id, self._ids())}'])
        return RuleSet(tuple(r for r in self.rules if r.id != rule_id), self.guards, self.about)

    def _ids(self) -> list[str]:
        return [r.id for r in self.rules] + [g.id for g in self.guards]


def _where(data: Any, kind: str, n: int | None) -> str:
    label = f"{kind} {n}" if n is not None else kind
    if isinstance(data, Mapping) and isinstance(data.get("id"), str):
        return f'{label} ("{data["id"]}")'
    return label


def _parse_rule_set(data: Any) -> RuleSet:
    if not isinstance(data, Mapping):
        raise RuleError(['the file must hold one object with "rules" (and usually "guards")'])
    problems = unknown_keys(data, _TOP_KEYS, "the file")
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        problems.append(
            f'"version" {json.dumps(version)} is not one this release reads ({FORMAT_VERSION})'
        )
    about = data.get("about", "")
    if not isinstance(about, str):
        problems.append('"about" must be text')
        about = ""
    raw_rules, raw_guards = data.get("rules"), data.get("guards", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append('"rules" must be a list with at least one rule')
        raw_rules = []
    if not isinstance(raw_guards, list):
        problems.append('"guards" must be a list')
        raw_guards = []
    guards = [
        g
        for n, d in enumerate(raw_guards, 1)
        if (g := parse_guard(d, _where(d, "guard", n), problems))
    ]
    rules = [
        r
        for n, d in enumerate(raw_rules, 1)
        if (r := parse_rule(d, _where(d, "rule", n), problems))
    ]
    seen: set[str] = set()
    for item_id in [g.id for g in guards] + [r.id for r in rules]:
        if item_id in seen:
            problems.append(f'the id "{item_id}" is used twice; each rule and guard needs its own')
        seen.add(item_id)
    guard_ids = [g.id for g in guards]
    for rule in rules:
        for guard_id, _ in rule.guards:
            if guard_id not in guard_ids:
                problems.append(
                    f'rule "{rule.id}": there is no guard "{guard_id}"{suggest(guard_id, guard_ids)}'
                )
    if problems:
        raise RuleError(problems)
    return RuleSet(tuple(rules), tuple(guards), about.strip())
