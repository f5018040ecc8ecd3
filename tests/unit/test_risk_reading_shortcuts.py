"""The risk classifier's shortcuts read every message exactly as the full reading does.

Most messages hold no rule phrase: they are read as a word list cached per chunk between
spaces, and dropped after one look for the rules' own phrases. These tests pin that
the shortcuts never change what a message is flagged for, quoted with, or why.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.desk.risk import RuleSet, evaluate
from services.desk.risk_text import canonicalise

LABELLED = Path(__file__).resolve().parents[1] / "data" / "risk_labelled.jsonl"

_RULES = RuleSet.default()
# Words the rules and guards look for, and text that tokenises in unusual ways.
_PHRASES = sorted(
    {p for r in _RULES.rules for p in (*r.phrases, *r.near, *r.unless)}
    | {p for g in _RULES.guards for p in (*g.phrases, *g.not_when_part_of)}
)
_ODD = [
    "won't", "WON’T", "kms", "2moro", "b", "my self", "self harm", "k*ll", "p**", "café",
    "kiiiill", "@someone", "https://x.example/a-b", "www.x.example", "😂", "lol", "-", "—",
    "–", "(", ")", "[", "]", ";", ":", ",", ".", "...", "!?", "'", "’", "*", "_", "x-ray",
    "a.b", "-knife", "knife-", "1st", "١٢", "ǅ", "ﬁ", "İ", "\u00a0", "\u3000",
]  # fmt: skip
_SPACE = st.sampled_from([" ", "  ", "\t", "\n", " - ", "\n> ", "\u2028", "\x1c", "\u3000", ""])
_TEXT = st.lists(
    st.tuples(st.sampled_from(_PHRASES + _ODD) | st.text(max_size=6), _SPACE), max_size=30
).map(lambda parts: "".join(w + s for w, s in parts))


def _labelled() -> list[str]:
    lines = LABELLED.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line]


@given(_TEXT)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_words_matched_are_the_words_quoted(text: str) -> None:
    canon = canonicalise(text)
    assert canon.words == tuple(t.word for t in canon.tokens)


@given(_TEXT)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_message_without_a_rule_phrase_is_dropped_only_when_no_rule_finds_one(
    text: str,
) -> None:
    words = canonicalise(text).words
    found = _RULES.index.find(words)
    any_rule = any(found[_RULES.groups[id(r.matcher)]] for r in _RULES.rules)
    assert _RULES.first_look.matches_any(words) == any_rule


@given(_TEXT)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_word_list_shortcut_flags_as_the_full_reading(text: str) -> None:
    # A line break at the end changes no word, clause or span; it takes the full reading.
    assert evaluate(text, _RULES) == evaluate(text + "\n", _RULES)


@pytest.mark.parametrize("text", _labelled())
def test_labelled_messages_read_the_same_both_ways(text: str) -> None:
    assert evaluate(text, _RULES) == evaluate(text + "\n", _RULES)
    canon = canonicalise(text)
    assert canon.words == tuple(t.word for t in canon.tokens)
