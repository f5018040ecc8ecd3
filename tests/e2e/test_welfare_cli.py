"""`front-counter item distressing ITEM --on|--off --reason` as a subprocess, on a demo workspace."""

from __future__ import annotations

import json

from tests.e2e.test_cli import demo_db, run

__all__ = ["demo_db"]


def test_an_item_is_flagged_then_the_flag_lifted_with_a_reason(demo_db: str) -> None:
    item = str(json.loads(run(demo_db, "inbox", "--json", "from:helen").stdout)[0]["id"])
    flagged = run(demo_db, "item", "distressing", item, "--on")
    assert flagged.returncode == 0, flagged.stderr
    assert "flagged as distressing" in flagged.stdout
    assert item in {
        str(r["id"]) for r in json.loads(run(demo_db, "inbox", "--json", "tag:distressing").stdout)
    }
    refused = run(demo_db, "item", "distressing", item, "--off")
    assert refused.returncode != 0 and "say why" in refused.stderr
    lifted = run(demo_db, "item", "distressing", item, "--off", "--reason", "a map, not injuries")
    assert lifted.returncode == 0 and "hand flag is lifted" in lifted.stdout
    shown = run(demo_db, "item", "show", item).stdout
    assert shown.count("item.distressing") == 2
    both = run(demo_db, "item", "distressing", item, "--on", "--off")
    assert both.returncode == 2  # one or the other
