"""The parts of a risk rule set: rules, guards, their levels and effects, and how each is read.

The file format is described in services/desk/risk_rules.py, which reads a
whole rule set; a rule or a guard is checked here, field by field, and every
problem names the rule and the field at fault.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from services.desk.risk_levels import RiskLevel
from services.desk.risk_phrases import PhraseError, PhrasePattern, compile_phrase
from services.errors import InvalidInput

MAX_WITHIN = 30
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class GuardKind(StrEnum):
    IDIOM = "idiom"
    NEGATION = "negation"
    REPORTED = "reported"
    CONTEXT = "context"


class Effect(StrEnum):
    DROP = "drop"
    WATCH = "watch"
    IGNORE = "ignore"


class RuleError(InvalidInput):
    """A rule set that cannot be used; each problem names the rule and field at fault."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            text = f"risk rules: {self.problems[0]}"
        else:
            text = f"risk rules have {len(self.problems)} problems:\n" + "\n".join(
                f"- {p}" for p in self.problems
            )
        super().__init__(text)


@dataclass(frozen=True)
class Matcher:
    """A list of phrases, compiled; RuleSet finds all of its matchers in one pass."""

    patterns: tuple[PhrasePattern, ...]


def _matcher(phrases: Sequence[str]) -> Matcher:
    return Matcher(tuple(compile_phrase(p) for p in phrases))


@dataclass(frozen=True)
class Rule:
    id: str
    level: RiskLevel
    category: str
    description: str
    phrases: tuple[str, ...]
    near: tuple[str, ...] = ()
    within: int = 5
    unless: tuple[str, ...] = ()
    guards: tuple[tuple[str, Effect], ...] = ()
    matcher: Matcher = field(init=False, repr=False, compare=False)
    near_matcher: Matcher = field(init=False, repr=False, compare=False)
    unless_matcher: Matcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matcher", _matcher(self.phrases))
        object.__setattr__(self, "near_matcher", _matcher(self.near))
        object.__setattr__(self, "unless_matcher", _matcher(self.unless))

    def effect_of(self, guard: Guard) -> Effect:
        return dict(self.guards).get(guard.id, guard.effect)

    @classmethod
    def from_json(cls, data: Any) -> Rule:
        problems: list[str] = []
        rule = parse_rule(data, "rule", problems)
        if rule is None or problems:
            raise RuleError(problems or ["rule is not valid"])
        return rule

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "level": self.level.value,
            "category": self.category,
            "description": self.description,
            "phrases": list(self.phrases),
        }
        if self.near:
            out["near"] = list(self.near)
            out["within"] = self.within
        if self.unless:
            out["unless"] = list(self.unless)
        if self.guards:
            out["guards"] = {g: e.value for g, e in self.guards}
        return out


@dataclass(frozen=True)
class Guard:
    id: str
    kind: GuardKind
    description: str
    phrases: tuple[str, ...]
    within: int = 3
    effect: Effect = Effect.DROP
    not_when_part_of: tuple[str, ...] = ()
    not_in_sentence_with: tuple[str, ...] = ()
    matcher: Matcher = field(init=False, repr=False, compare=False)
    part_of_matcher: Matcher = field(init=False, repr=False, compare=False)
    sentence_matcher: Matcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matcher", _matcher(self.phrases))
        object.__setattr__(self, "part_of_matcher", _matcher(self.not_when_part_of))
        object.__setattr__(self, "sentence_matcher", _matcher(self.not_in_sentence_with))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "description": self.description,
            "phrases": list(self.phrases),
        }
        if self.kind in (GuardKind.NEGATION, GuardKind.REPORTED):
            out["within"] = self.within
        if self.effect is not Effect.DROP:
            out["effect"] = self.effect.value
        if self.not_when_part_of:
            out["not_when_part_of"] = list(self.not_when_part_of)
        if self.not_in_sentence_with:
            out["not_in_sentence_with"] = list(self.not_in_sentence_with)
        return out


# ---- validation


# ---- reading a rule or a guard from JSON


_RULE_KEYS = (
    "id",
    "level",
    "category",
    "description",
    "phrases",
    "near",
    "within",
    "unless",
    "guards",
)
_GUARD_KEYS = (
    "id",
    "kind",
    "description",
    "phrases",
    "within",
    "effect",
    "not_when_part_of",
    "not_in_sentence_with",
)
E = TypeVar("E", bound=StrEnum)


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean "x"?)' for the closest of `choices`, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _choices(enum: type[StrEnum]) -> str:
    return " or ".join(f'"{e.value}"' for e in enum)


def unknown_keys(data: Mapping[str, Any], allowed: Sequence[str], where: str) -> list[str]:
    return [
        f'{where}: unknown field "{k}"{suggest(str(k), allowed)}' for k in data if k not in allowed
    ]


def _text(data: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f'{where}: "{key}" must be some text')
        return ""
    return value.strip()


def _phrases(
    data: Mapping[str, Any], key: str, where: str, problems: list[str], required: bool
) -> tuple[str, ...]:
    value = data.get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, list) or (required and not value):
        problems.append(f'{where}: "{key}" must be a list of phrases, like ["kill myself"]')
        return ()
    seen: set[str] = set()
    out: list[str] = []
    for n, phrase in enumerate(value, 1):
        if not isinstance(phrase, str):
            problems.append(f'{where}: "{key}" item {n} must be text in quotes')
            continue
        try:
            compile_phrase(phrase)
        except PhraseError as exc:
            problems.append(f'{where}: "{key}" item {n} ("{phrase}"): {exc}')
            continue
        folded = " ".join(phrase.lower().split())
        if folded in seen:
            problems.append(f'{where}: "{key}" lists "{phrase}" twice')
            continue
        seen.add(folded)
        out.append(phrase.strip())
    return tuple(out)


def _within(data: Mapping[str, Any], where: str, problems: list[str], default: int) -> int:
    value = data.get("within", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WITHIN:
        problems.append(f'{where}: "within" must be a whole number of words from 1 to {MAX_WITHIN}')
        return default
    return value


def _enum(
    enum: type[E],
    data: Mapping[str, Any],
    key: str,
    where: str,
    problems: list[str],
    default: E | None,
) -> E | None:
    value = data.get(key)
    if value is None and default is not None:
        return default
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return enum(value)
    except ValueError:
        problems.append(f'{where}: "{key}" must be {_choices(enum)}, not {json.dumps(value)}')
        return None


def parse_rule(data: Any, where: str, problems: list[str]) -> Rule | None:
    """The rule in `data`, or None with what is wrong added to `problems`."""
    if not isinstance(data, Mapping):
        problems.append(
            f"{where}: must be an object with id, level, category, description, phrases"
        )
        return None
    before = len(problems)
    problems.extend(unknown_keys(data, _RULE_KEYS, where))
    rule_id = _text(data, "id", where, problems)
    if rule_id and not _ID.match(rule_id):
        problems.append(
            f'{where}: "id" must be lower-case words joined by hyphens, like "weapon-seen"'
        )
    level = _enum(RiskLevel, data, "level", where, problems, None)
    category = _text(data, "category", where, problems)
    description = _text(data, "description", where, problems)
    phrases = _phrases(data, "phrases", where, problems, required=True)
    near = _phrases(data, "near", where, problems, required=False)
    within = _within(data, where, problems, 5)
    if "within" in data and not near:
        problems.append(f'{where}: "within" only means something with "near"')
    unless = _phrases(data, "unless", where, problems, required=False)
    guards: list[tuple[str, Effect]] = []
    raw_guards = data.get("guards", {})
    if not isinstance(raw_guards, Mapping):
        problems.append(f'{where}: "guards" must map guard ids to "drop", "watch" or "ignore"')
    else:
        for guard_id, effect in raw_guards.items():
            try:
                guards.append((str(guard_id), Effect(effect)))
            except ValueError:
                problems.append(
                    f'{where}: guard "{guard_id}" must be {_choices(Effect)}, not {json.dumps(effect)}'
                )
    if len(problems) > before or level is None:
        return None
    return Rule(rule_id, level, category, description, phrases, near, within, unless, tuple(guards))


def parse_guard(data: Any, where: str, problems: list[str]) -> Guard | None:
    """The guard in `data`, or None with what is wrong added to `problems`."""
    if not isinstance(data, Mapping):
        problems.append(f"{where}: must be an object with id, kind, description, phrases")
        return None
    before = len(problems)
    problems.extend(unknown_keys(data, _GUARD_KEYS, where))
    guard_id = _text(data, "id", where, problems)
    if guard_id and not _ID.match(guard_id):
        problems.append(
            f'{where}: "id" must be lower-case words joined by hyphens, like "negation"'
        )
    kind = _enum(GuardKind, data, "kind", where, problems, None)
    description = _text(data, "description", where, problems)
    phrases = _phrases(data, "phrases", where, problems, required=True)
    within = _within(data, where, problems, 3)
    if "within" in data and kind not in (GuardKind.NEGATION, GuardKind.REPORTED, None):
        problems.append(f'{where}: "within" only applies to "negation" and "reported" guards')
    effect = _enum(Effect, data, "effect", where, problems, Effect.DROP)
    if effect is Effect.IGNORE:
        problems.append(f'{where}: a guard\'s own "effect" must be "drop" or "watch"')
    part_of = _phrases(data, "not_when_part_of", where, problems, required=False)
    in_sentence = _phrases(data, "not_in_sentence_with", where, problems, required=False)
    if len(problems) > before or kind is None or effect is None:
        return None
    return Guard(guard_id, kind, description, phrases, within, effect, part_of, in_sentence)
