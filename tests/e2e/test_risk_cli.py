"""`front-counter risk ...` as a subprocess: rules listed, tested, added and removed; flags set by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import run

RULE = {
    "id": "bins-overflowing",
    "level": "watch",
    "category": "environment",
    "description": "Overflowing bins reported.",
    "phrases": ["bins overflowing"],
}


@pytest.fixture
def fresh_db(db_url: str) -> str:
    assert run(db_url, "db", "upgrade").returncode == 0
    assert run(db_url, "user", "list").returncode == 0  # ruth, the first user, is admin
    made = run(db_url, "user", "add", "dan", "--role", "officer", "--display-name", "PC Dan")
    assert made.returncode == 0, made.stderr
    return db_url


def test_rules_are_tested_added_and_removed_from_the_command_line(
    fresh_db: str, tmp_path: Path
) -> None:
    test = run(fresh_db, "risk", "rules", "test", "I was killing myself laughing at that video")
    assert test.returncode == 0, test.stderr
    assert "level: none" in test.stdout and 'guard "idioms"' in test.stdout
    assert "bins overflowing" not in run(fresh_db, "risk", "rules", "list").stdout

    refused = run(fresh_db, "risk", "rules", "add", json.dumps(RULE), user="dan")
    assert refused.returncode == 1 and "only" in refused.stderr

    added = run(fresh_db, "risk", "rules", "add", json.dumps(RULE))
    assert added.returncode == 0, added.stderr
    assert "revision 1: added bins-overflowing" in added.stdout
    test = run(fresh_db, "risk", "rules", "test", "The bins overflowing again on Mill Lane")
    assert "level: watch" in test.stdout and "bins-overflowing" in test.stdout
    assert "revision 1" in test.stdout

    path = tmp_path / "rule.json"
    path.write_text(json.dumps({**RULE, "level": "urgent"}), encoding="utf-8")
    replaced = run(fresh_db, "risk", "rules", "add", str(path))
    assert "revision 2: replaced bins-overflowing" in replaced.stdout
    listing = run(fresh_db, "risk", "rules", "list")
    assert "revision 2" in listing.stdout and "bins-overflowing" in listing.stdout

    bad = run(fresh_db, "risk", "rules", "add", '{"id": "x", "level": "loud"}')
    assert bad.returncode == 1 and '"level" must be "urgent" or "watch"' in bad.stderr

    assert run(fresh_db, "risk", "rules", "remove", "bins-overflowing", user="dan").returncode == 1
    removed = run(fresh_db, "risk", "rules", "remove", "bins-overflowing")
    assert removed.returncode == 0 and "revision 3: removed" in removed.stdout
    typo = run(fresh_db, "risk", "rules", "remove", "weapon-sen")
    assert typo.returncode == 1 and 'did you mean "weapon-seen"' in typo.stderr
    test = run(fresh_db, "risk", "rules", "test", "The bins overflowing again on Mill Lane")
    assert "level: none" in test.stdout

    trail = run(fresh_db, "audit", "verify")
    assert trail.returncode == 0, trail.stderr


def test_a_flag_shows_in_the_inbox_json_and_item_show_and_clearing_needs_a_reason(
    db_url: str,
) -> None:
    assert run(db_url, "db", "upgrade").returncode == 0
    assert run(db_url, "demo", "load").returncode == 0
    rows = json.loads(run(db_url, "inbox", "--json", "is:risk").stdout)
    assert rows and {r["risk"] for r in rows} <= {"urgent", "watch"}
    first = rows[0]
    assert first["risk_reasons"] and first["risk_reasons"][0]["matched"]
    shown = run(db_url, "item", "show", str(first["id"]))
    assert f"Risk:   {first['risk']}" in shown.stdout
    assert first["risk_reasons"][0]["rule_id"] in shown.stdout

    cleared = run(db_url, "risk", "set", str(first["id"]), "none")
    assert cleared.returncode == 1 and "needs a reason" in cleared.stderr
    cleared = run(db_url, "risk", "set", str(first["id"]), "none", "--reason", "old news")
    assert cleared.returncode == 0, cleared.stderr
    still = json.loads(run(db_url, "inbox", "--json", "--all", "is:risk").stdout)
    assert first["id"] not in [r["id"] for r in still]
    shown = run(db_url, "item", "show", str(first["id"]))
    assert "Risk:   none (set by hand)" in shown.stdout and "old news" in shown.stdout

    raised = run(db_url, "risk", "set", str(first["id"]), "urgent")
    assert raised.returncode == 0, raised.stderr
    done = run(db_url, "status", "done", str(first["id"]))
    assert done.returncode == 1 and "flagged urgent" in done.stderr
    done = run(db_url, "status", "done", str(first["id"]), "--reason", "called back, safe")
    assert done.returncode == 0, done.stderr
