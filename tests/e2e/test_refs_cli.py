"""`front-counter ref ...` as a subprocess: link, list, search, show and remove force references."""

from __future__ import annotations

import json

from tests.e2e.test_cli import demo_db, run

__all__ = ["demo_db"]  # the fixture, shared with test_cli


def test_crime_reference_round_trip_from_the_command_line(demo_db: str) -> None:
    rows = json.loads(run(demo_db, "inbox", "--json", "from:helen", "channel:blog").stdout)
    item = str(rows[0]["id"])

    added = run(demo_db, "ref", "add", item, "--kind", "crime", " WS/2026/12345 ", user="d.hughes")
    assert added.returncode == 0, added.stderr
    assert f"item {item}: crime WS/2026/12345 linked" in added.stdout
    thread = run(demo_db, "ref", "add", "--thread", item, "--kind", "cad", "CAD 0412")
    assert thread.returncode == 0, thread.stderr

    listing = json.loads(run(demo_db, "ref", "list", item, "--json").stdout)
    assert [(r["kind"], r["value"], r["subject_type"]) for r in listing] == [
        ("crime", "WS/2026/12345", "item"),
        ("incident", "CAD 0412", "thread"),
    ]
    shown = run(demo_db, "item", "show", item)
    assert "Refs:   crime WS/2026/12345, incident/CAD log CAD 0412 (thread)" in shown.stdout
    assert "reference.add" in shown.stdout  # in the item's audit trail

    by_value = json.loads(run(demo_db, "inbox", "--json", "ref:ws/2026/12345").stdout)
    assert [r["id"] for r in by_value] == [int(item)]
    by_kind = json.loads(run(demo_db, "inbox", "--json", "ref:crime").stdout)
    assert [r["id"] for r in by_kind] == [int(item)]

    bad = run(demo_db, "ref", "add", item, "--kind", "crime", "x" * 80)
    assert bad.returncode == 1 and "at most 64 characters" in bad.stderr
    no_reason = run(demo_db, "ref", "remove", item, "WS/2026/12345")
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    removed = run(demo_db, "ref", "remove", item, "ws/2026/12345", "--reason", "wrong item")
    assert removed.returncode == 0 and "1 reference(s) removed" in removed.stdout
    assert json.loads(run(demo_db, "inbox", "--json", "ref:crime").stdout) == []
    assert run(demo_db, "audit", "verify").returncode == 0
