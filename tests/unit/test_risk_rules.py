"""The risk rule format: what an admin may write, and the errors they see when it is wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.desk.risk import RiskLevel, Rule, RuleError, RuleSet, classify
from services.errors import KnownError


def _rule(**changes: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": "dog-theft",
        "level": "watch",
        "category": "theft",
        "description": "A dog stolen from its owner.",
        "phrases": ["stole my dog", "dog * stolen"],
    }
    rule.update(changes)
    return rule


def _set(*rules: dict[str, Any], guards: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"version": 1, "guards": guards or [], "rules": list(rules)}


def _problems(source: Any) -> tuple[str, ...]:
    with pytest.raises(RuleError) as caught:
        RuleSet.from_json(source)
    return caught.value.problems


def test_a_minimal_rule_set_classifies() -> None:
    rules = RuleSet.from_json(_set(_rule()))
    a = classify("Someone STOLE MY DOG from the garden", rules)
    assert a.level is RiskLevel.WATCH
    assert a.reasons[0].matched == ("STOLE MY DOG",)
    assert classify("My dog was stolen", rules).level is RiskLevel.WATCH


def test_default_rules_survive_a_round_trip_through_json() -> None:
    rules = RuleSet.default()
    again = RuleSet.from_json(rules.dumps())
    assert again == rules
    assert json.loads(again.dumps()) == rules.to_json()


def test_broken_json_names_line_and_column() -> None:
    (problem,) = _problems('{"rules": [\n  {"id": "x",}\n]}')
    assert problem.startswith("not valid JSON:")
    assert "line 2" in problem


def test_a_misspelt_field_is_named_with_a_suggestion() -> None:
    rule = _rule()
    rule["phrase"] = rule.pop("phrases")
    problems = _problems(_set(rule))
    assert 'rule 1 ("dog-theft"): unknown field "phrase" (did you mean "phrases"?)' in problems
    assert any('"phrases" must be a list of phrases' in p for p in problems)


def test_a_bad_level_lists_the_good_ones() -> None:
    (problem,) = _problems(_set(_rule(level="high")))
    assert problem == 'rule 1 ("dog-theft"): "level" must be "urgent" or "watch", not "high"'


@pytest.mark.parametrize(
    ("phrase", "says"),
    [
        ("*", "needs at least one word"),
        ("... dog", "'...' can only stand between two words"),
        ("st*ab", "'*' can only end a word"),
        ("!!!", "has no letters or digits"),
        ("   ", "cannot be empty"),
    ],
)
def test_bad_phrases_are_explained(phrase: str, says: str) -> None:
    (problem,) = _problems(_set(_rule(phrases=["stole my dog", phrase])))
    assert problem.startswith('rule 1 ("dog-theft"): "phrases" item 2')
    assert says in problem


def test_every_problem_is_reported_at_once() -> None:
    bad = _rule(id="Dog Theft", within=4, phrases=["dog", "Dog"])
    with pytest.raises(RuleError) as caught:
        RuleSet.from_json(_set(bad, _rule(level=3)))
    err = caught.value
    assert len(err.problems) == 4
    text = str(err)
    assert text.startswith("risk rules have 4 problems:\n- ")
    assert '"id" must be lower-case words joined by hyphens' in text
    assert '"within" only means something with "near"' in text
    assert '"phrases" lists "Dog" twice' in text
    assert '"level" must be "urgent" or "watch", not 3' in text
    assert isinstance(err, KnownError)  # the CLI and the desktop show its text as is


def test_ids_are_unique_and_guards_must_exist() -> None:
    guard = {"id": "negation", "kind": "negation", "description": "d", "phrases": ["not"]}
    problems = _problems(_set(_rule(guards={"negaton": "watch"}), _rule(), guards=[guard]))
    assert 'the id "dog-theft" is used twice; each rule and guard needs its own' in problems
    assert 'rule "dog-theft": there is no guard "negaton" (did you mean "negation"?)' in problems


@pytest.mark.parametrize(
    ("guard", "says"),
    [
        ({"kind": "sarcasm"}, '"kind" must be "idiom" or "negation" or "reported" or "context"'),
        ({"kind": "idiom", "within": 3}, '"within" only applies to "negation" and "reported"'),
        (
            {"kind": "negation", "within": 0},
            '"within" must be a whole number of words from 1 to 30',
        ),
        (
            {"kind": "negation", "effect": "ignore"},
            'a guard\'s own "effect" must be "drop" or "watch"',
        ),
    ],
)
def test_guard_problems(guard: dict[str, Any], says: str) -> None:
    full = {"id": "g", "description": "d", "phrases": ["not"], **guard}
    problems = _problems(_set(_rule(), guards=[full]))
    assert any(says in p for p in problems), problems


def test_the_file_itself_must_have_rules_and_a_known_version() -> None:
    assert _problems([]) == ('the file must hold one object with "rules" (and usually "guards")',)
    problems = _problems({"version": 2, "rules": []})
    assert '"version" 2 is not one this release reads (1)' in problems
    assert '"rules" must be a list with at least one rule' in problems


def test_an_admin_adds_and_removes_a_rule() -> None:
    rules = RuleSet.default()
    added = rules.with_rule(Rule.from_json(_rule()))
    assert classify("someone stole my dog", added).level is RiskLevel.WATCH
    assert classify("someone stole my dog", rules).level is None
    assert added.without_rule("dog-theft") == rules
    with pytest.raises(
        RuleError, match=r'there is no rule "dog-thef" \(did you mean "dog-theft"\?\)'
    ):
        added.without_rule("dog-thef")


def test_adding_a_rule_with_an_unknown_guard_is_refused() -> None:
    with pytest.raises(RuleError, match='there is no guard "jokse"'):
        RuleSet.default().with_rule(Rule.from_json(_rule(guards={"jokse": "drop"})))


def test_near_and_unless_narrow_a_rule() -> None:
    rule = _rule(phrases=["barking"], near=["all night", "every night"], within=3, unless=["happy"])
    rules = RuleSet.from_json(_set(rule))
    assert classify("the dog is barking all night", rules).flagged
    assert not classify("the dog is barking", rules).flagged
    assert not classify("the dog is barking all night, happy dog", rules).flagged
