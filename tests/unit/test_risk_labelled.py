"""The default risk rules against messages we wrote and labelled (tests/data/risk_labelled.jsonl).

Rows without "set" were written before the rules; rows with "set": "heldout" were
written after the first version of the rules and measured before the rules were
changed for them. Both are now in the rules' sight, so these figures guard
against regressions; they do not promise the same on unseen text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from services.desk.risk import RiskLevel, RuleSet, classify

LABELLED = Path(__file__).resolve().parents[1] / "data" / "risk_labelled.jsonl"
MIN_URGENT_RECALL = 0.95
MAX_DECOY_RATE = 0.05
MIN_WATCH_RECALL = 0.90


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line]


def test_labelled_set_is_big_enough_and_half_decoys(rows: list[dict[str, Any]]) -> None:
    assert len(rows) >= 150
    decoys = [r for r in rows if r["level"] is None]
    assert len(decoys) >= len(rows) / 2
    for r in rows:
        assert r["level"] in (None, "urgent", "watch")
        assert (r["category"] is None) == (r["level"] is None)


def test_urgent_recall_and_decoy_rate_hold(
    rows: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    rules = RuleSet.default()
    got = [classify(r["text"], rules) for r in rows]
    pairs = list(zip(rows, got, strict=True))
    urgent = [(r, a) for r, a in pairs if r["level"] == "urgent"]
    watch = [(r, a) for r, a in pairs if r["level"] == "watch"]
    decoys = [(r, a) for r, a in pairs if r["level"] is None]
    flagged = [(r, a) for r, a in pairs if a.flagged]
    said_urgent = [(r, a) for r, a in pairs if a.level is RiskLevel.URGENT]

    urgent_recall = sum(a.level is RiskLevel.URGENT for _, a in urgent) / len(urgent)
    watch_recall = sum(a.flagged for _, a in watch) / len(watch)
    decoy_rate = sum(a.flagged for _, a in decoys) / len(decoys)
    precision = sum(r["level"] is not None for r, _ in flagged) / max(1, len(flagged))
    urgent_precision = sum(r["level"] == "urgent" for r, _ in said_urgent) / max(
        1, len(said_urgent)
    )
    positives = urgent + watch
    category_hits = sum(r["category"] in a.categories for r, a in positives) / len(positives)

    misses = [
        f"  expected {r['level']}, got {a.level}: {r['text']}"
        for r, a in pairs
        if (r["level"] == "urgent" and a.level is not RiskLevel.URGENT)
        or (r["level"] == "watch" and not a.flagged)
        or (r["level"] is None and a.flagged)
    ]
    with capsys.disabled():
        print(
            f"\nrisk labelled set: {len(rows)} messages ({len(urgent)} urgent, {len(watch)} watch,"
            f" {len(decoys)} decoys)\n"
            f"  urgent recall {urgent_recall:.1%}, watch recall {watch_recall:.1%},"
            f" precision (flagged at any level) {precision:.1%},"
            f" urgent precision {urgent_precision:.1%}, decoy rate {decoy_rate:.1%},"
            f" expected category among reasons {category_hits:.1%}"
        )
        for line in misses:
            print(line)
    assert urgent_recall >= MIN_URGENT_RECALL
    assert decoy_rate <= MAX_DECOY_RATE
    assert watch_recall >= MIN_WATCH_RECALL
