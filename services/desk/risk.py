"""Risk triage: which inbound items need a trained eye now (urgent) or soon (watch), and why.

Pure and headless: text and a RuleSet in, an Assessment out; no database, no
network, no Qt. The rules are data (resources/risk/default_rules.json, later
the workspace's own copy); see services/desk/risk_rules.py for their format.

How a message is read:
1. The text is made canonical (services/desk/risk_text.py): case, curly
   quotes, contractions, text-speak, stretched letters, quoted email lines.
2. Each rule looks for its phrases; "near" and "unless" narrow a match.
3. Guards then read each match in its context: an idiom ("kill for a
   coffee"), a negation ("I'm not going to hurt myself"), reported speech or
   news ("the article about the stabbing"), or a past and resolved event
   ("last year ... sorted, thanks"). A guard drops the match, or lowers it to
   watch where the rule says so: a negated mention of self-harm still gets a
   trained eye, because people who say "I won't do anything" sometimes do.
4. The item's level is the highest level among the rules that still fire.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.desk.risk_levels import Reason, RiskLevel, rank
from services.desk.risk_rule_parts import (
    Effect,
    Guard,
    GuardKind,
    Matcher,
    Rule,
    RuleError,
)
from services.desk.risk_rules import DEFAULT_RULES_FILE, RuleSet
from services.desk.risk_text import Canonical, canonicalise

__all__ = [
    "DEFAULT_RULES_FILE",
    "Assessment",
    "Evaluation",
    "Reason",
    "RiskLevel",
    "Rule",
    "RuleError",
    "RuleSet",
    "Suppression",
    "classify",
    "evaluate",
    "explain",
]


@dataclass(frozen=True)
class Assessment:
    level: RiskLevel | None  # None: nothing to flag
    reasons: tuple[Reason, ...] = ()

    @property
    def flagged(self) -> bool:
        return self.level is not None

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.category for r in self.reasons))


NOT_FLAGGED = Assessment(None)


@dataclass(frozen=True)
class Suppression:
    """A phrase that matched but did not count (or counted lower): what `risk rules test` shows."""

    rule_id: str
    matched: str
    by: str  # a guard id, or "unless" / "near" for the rule's own conditions
    cue: str  # the words that triggered it, "" when none
    outcome: str  # "dropped", "lowered to watch", "not counted"


@dataclass(frozen=True)
class Evaluation:
    assessment: Assessment
    suppressions: tuple[Suppression, ...] = ()


QUIET = Evaluation(NOT_FLAGGED)

Span = tuple[int, int]  # first and last token index


@dataclass
class _Scan:
    """One message, with every phrase of the rule set found in one pass."""

    canon: Canonical
    rules: RuleSet
    found: list[list[Span]] = field(init=False)

    def __post_init__(self) -> None:
        self.found = self.rules.index.find(self.canon.words)

    def spans(self, matcher: Matcher) -> list[Span]:
        return self.found[self.rules.groups[id(matcher)]]

    def cues(self, guard: Guard) -> list[Span]:
        cues = self.spans(guard.matcher)
        if cues and guard.not_when_part_of:
            wholes = self.spans(guard.part_of_matcher)
            cues = [c for c in cues if not any(_overlap(c, w) for w in wholes)]
        return cues


def _overlap(a: Span, b: Span) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _word_gap(canon: Canonical, a: Span, b: Span) -> int:
    """Words strictly between two spans (0 when they touch or overlap)."""
    t = canon.tokens
    if _overlap(a, b):
        return 0
    left, right = (a, b) if a[1] < b[0] else (b, a)
    return max(0, t[right[0]].position - t[left[1]].position - 1)


def _guard_cue(guard: Guard, scan: _Scan, match: Span) -> Span | None:
    canon, tokens = scan.canon, scan.canon.tokens
    first = tokens[match[0]]
    for cue in scan.cues(guard):
        if guard.kind is GuardKind.IDIOM:
            hit = _overlap(cue, match)
        elif guard.kind is GuardKind.CONTEXT:
            hit = tokens[cue[0]].sentence == first.sentence and not _overlap(cue, match)
        else:
            end = tokens[cue[1]]
            same = (
                end.clause == first.clause
                if guard.kind is GuardKind.NEGATION
                else end.sentence == first.sentence
            )
            hit = cue[1] < match[0] and same and _word_gap(canon, cue, match) <= guard.within
        if hit:
            if guard.not_in_sentence_with and any(
                tokens[s[0]].sentence == first.sentence for s in scan.spans(guard.sentence_matcher)
            ):
                return None
            return cue
    return None


def _near(rule: Rule, scan: _Scan, match: Span) -> bool:
    return any(
        _word_gap(scan.canon, n, match) <= rule.within for n in scan.spans(rule.near_matcher)
    )


def _unless(rule: Rule, scan: _Scan, match: Span) -> Span | None:
    sentence = scan.canon.tokens[match[0]].sentence
    for s in scan.spans(rule.unless_matcher):
        if scan.canon.tokens[s[0]].sentence == sentence:
            return s
    return None


def _judge(
    rule: Rule, rules: RuleSet, scan: _Scan, match: Span, notes: list[Suppression]
) -> RiskLevel | None:
    """The level this one match counts for, or None; notes say what guards did."""
    canon = scan.canon
    quote = canon.quote(*match)
    if rule.near and not _near(rule, scan, match):
        notes.append(Suppression(rule.id, quote, "near", "", "not counted"))
        return None
    if rule.unless and (cue := _unless(rule, scan, match)) is not None:
        notes.append(Suppression(rule.id, quote, "unless", canon.quote(*cue), "dropped"))
        return None
    level = rule.level
    for guard in rules.guards:
        effect = rule.effect_of(guard)
        if effect is Effect.IGNORE:
            continue
        cue = _guard_cue(guard, scan, match)
        if cue is None:
            continue
        if effect is Effect.DROP:
            notes.append(Suppression(rule.id, quote, guard.id, canon.quote(*cue), "dropped"))
            return None
        if level is RiskLevel.URGENT:
            notes.append(
                Suppression(rule.id, quote, guard.id, canon.quote(*cue), "lowered to watch")
            )
            level = RiskLevel.WATCH
    return level


def evaluate(text: str, rules: RuleSet) -> Evaluation:
    """The assessment, plus every match that guards dropped or lowered."""
    canon = canonicalise(text)
    if not rules.first_look.matches_any(canon.words):
        return QUIET  # no rule's phrase: nothing for guards, "near" or "unless" to read
    scan = _Scan(canon, rules)
    reasons: list[Reason] = []
    notes: list[Suppression] = []
    for rule in rules.rules:
        if not scan.spans(rule.matcher):
            continue
        best: RiskLevel | None = None
        quotes: dict[str, None] = {}
        lowered: list[Suppression] = []
        for match in scan.spans(rule.matcher):
            mine: list[Suppression] = []
            level = _judge(rule, rules, scan, match, mine)
            notes.extend(mine)
            if level is None:
                continue
            lowered.extend(n for n in mine if n.outcome == "lowered to watch")
            quotes[scan.canon.quote(*match)] = None
            if best is None or rank(level) > rank(best):
                best = level
        if best is not None:
            explanation = rule.description
            if best is not rule.level and lowered:
                why = lowered[0]
                explanation += f' Lowered to watch: "{why.cue}" ({why.by}).'
            reasons.append(Reason(rule.id, rule.category, best, tuple(quotes), explanation))
    if not reasons:
        return Evaluation(NOT_FLAGGED, tuple(notes))
    reasons.sort(key=lambda r: -rank(r.level))  # stable: rule order within a level
    top = reasons[0].level
    return Evaluation(Assessment(top, tuple(reasons)), tuple(notes))


def classify(text: str, rules: RuleSet) -> Assessment:
    return evaluate(text, rules).assessment


def explain(text: str, rules: RuleSet) -> str:
    """What `risk rules test "TEXT"` prints: the level, the rules that fire, and what guards did."""
    result = evaluate(text, rules)
    a = result.assessment
    lines = [f"level: {a.level.value if a.level else 'none'}"]
    if not a.reasons:
        lines.append("  no rule fires")
    for r in a.reasons:
        said = ", ".join(f'"{m}"' for m in r.matched)
        lines.append(f"  fires   {r.level.value:<6} {r.rule_id} [{r.category}]: {said}")
        lines.append(f"          {r.explanation}")
    for s in result.suppressions:
        if s.by == "near":
            why = 'no word from its "near" list close by'
        elif s.by == "unless":
            why = f'its sentence has "{s.cue}" (the rule\'s "unless")'
        else:
            why = f'guard "{s.by}" saw "{s.cue}"'
        lines.append(f'  {s.outcome:<16} {s.rule_id}: "{s.matched}": {why}')
    return "\n".join(lines)
