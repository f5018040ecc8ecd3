"""Issue 11.4 and 11.6 on the command line: `item show` lists the three SLA timers (the list's
own), and `inbox --json` rows name who is replying."""

from __future__ import annotations

import json
import re

from services.desk import presence
from services.store.db import make_engine, make_session_factory
from services.workspace.users import find_user
from tests.e2e.test_cli import demo_db, run

__all__ = ["demo_db"]  # the fixture, shared with test_cli

TIMER_LINE = re.compile(
    r"^  (First response|Update|Resolution) +due \w{3} \d\d \w{3} \d\d:\d\d  "
    r"(within|pending|at risk|breached|paused) +(.+)$",
    re.MULTILINE,
)


def test_item_show_lists_the_three_timers_with_due_state_and_countdown(demo_db: str) -> None:
    assert run(demo_db, "sla", "set", "--hours", "4", "--update-hours", "2",
               "--resolution-hours", "48").returncode == 0  # fmt: skip
    rows = json.loads(run(demo_db, "inbox", "--json", "--all", "--limit", "100").stdout)
    by_state = {}
    for r in rows:
        first = next((t for t in r["timers"]["timers"] if t["name"] == "first_response"), None)
        if first is not None:
            by_state.setdefault((first["state"], first["at_risk"]), r)
    breached = by_state[("breached", False)]
    shown = run(demo_db, "item", "show", str(breached["id"]))
    assert shown.returncode == 0, shown.stderr
    assert "SLA:    policy default" in shown.stdout
    lines = {m[0]: (m[1], m[2]) for m in TIMER_LINE.findall(shown.stdout)}
    assert lines["First response"][0] == "breached"
    assert re.fullmatch(r"\d+ (min|h|d) (over|late)|met .+ late", lines["First response"][1])
    assert "Resolution" in lines
    # The update timer runs only once the public writes again after an answer: its line says why.
    assert "  Update          not running: nothing from the public is waiting" in shown.stdout

    running = by_state.get(("pending", True)) or by_state[("pending", False)]
    shown = run(demo_db, "item", "show", str(running["id"])).stdout
    state, count = {m[0]: (m[1], m[2]) for m in TIMER_LINE.findall(shown)}["First response"]
    assert state in ("pending", "at risk") and count.startswith("due in ")

    # Waiting on the public stops the clocks: every running timer reads "paused".
    assert run(demo_db, "status", "pending", str(running["id"])).returncode == 0
    shown = run(demo_db, "item", "show", str(running["id"])).stdout
    states = {m[0]: m[1] for m in TIMER_LINE.findall(shown)}
    assert states["First response"] == "paused" and states["Resolution"] == "paused"

    # --json carries the same timers as the list's row.
    as_json = json.loads(run(demo_db, "item", "show", str(breached["id"]), "--json").stdout)
    assert as_json["timers"] == breached["timers"] | {"timers": as_json["timers"]["timers"]}
    assert [t["name"] for t in as_json["timers"]["timers"]] == [
        t["name"] for t in breached["timers"]["timers"]
    ]


def test_inbox_json_rows_name_who_else_is_replying(demo_db: str) -> None:
    engine = make_engine(demo_db)
    try:
        factory = make_session_factory(engine)
        rows = json.loads(run(demo_db, "inbox", "--json", "--limit", "5").stdout)
        assert all(r["replying"] == [] for r in rows)
        item = rows[1]["id"]
        hughes = find_user(factory, "d.hughes")
        presence.start(factory, hughes, item)
        rows = json.loads(run(demo_db, "inbox", "--json", "--limit", "5").stdout)
        assert {r["id"]: r["replying"] for r in rows}[item] == ["PC 4521 Dan Hughes"]
        assert all(r["replying"] == [] for r in rows if r["id"] != item)
        # Nobody is shown themself.
        mine = json.loads(run(demo_db, "inbox", "--json", "--limit", "5", user="d.hughes").stdout)
        assert {r["id"]: r["replying"] for r in mine}[item] == []
        presence.stop(factory, hughes, item)
        rows = json.loads(run(demo_db, "inbox", "--json", "--limit", "5").stdout)
        assert {r["id"]: r["replying"] for r in rows}[item] == []
    finally:
        engine.dispose()
