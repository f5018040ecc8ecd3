"""`front-counter sla ...` as a subprocess: per-channel and per-tag policies, holidays, the three
timers in `inbox --json`, and a person's notices."""

from __future__ import annotations

import json

from tests.e2e.test_cli import demo_db, run

__all__ = ["demo_db"]  # the fixture, shared with test_cli


def test_sla_policies_holidays_and_notices_from_the_command_line(demo_db: str) -> None:
    rows = json.loads(run(demo_db, "inbox", "--json", "from:helen", "channel:blog").stdout)
    channel = rows[0]["channel_name"]
    steps = [
        ("set", "--hours", "4", "--update-hours", "2", "--resolution-hours", "48"),
        ("set", "--business-hours", "08:00-18:00"),
        ("holiday", "add", "2026-12-25", "2026-12-28"),
        ("channel", channel, "--hours", "2"),
        ("tag", "hate-crime", "--hours", "1", "--auto-escalate-user", "ruth"),
    ]
    for step in steps:
        done = run(demo_db, "sla", *step)
        assert done.returncode == 0, done.stderr
    shown = run(demo_db, "sla", "show").stdout
    assert "default: first response 4 h, update 2 h, resolution 48 h" in shown
    assert f"channel {channel}: first response 2 h" in shown
    assert "tag hate-crime: first response 1 h" in shown and "escalates on breach to ruth" in shown
    assert "business hours 08:00-18:00 on MTWTF; holidays 2026-12-25, 2026-12-28" in shown

    bad = run(demo_db, "sla", "tag", "x", "--hours", "1", "--auto-escalate-team", "Nobody")
    assert bad.returncode != 0 and "Nobody" in bad.stderr
    assert run(demo_db, "sla", "channel", "No such", "--hours", "1").returncode != 0

    rows = json.loads(run(demo_db, "inbox", "--json", "from:helen", "channel:blog").stdout)
    timers = rows[0]["timers"]
    assert timers["policy"] == f"channel {channel}"
    assert {t["name"] for t in timers["timers"]} >= {"first_response", "resolution"}

    removed = run(demo_db, "sla", "channel", channel, "--remove")
    assert removed.returncode == 0 and f"channel {channel}" not in removed.stdout
    notices = run(demo_db, "sla", "notices")
    assert notices.returncode == 0, notices.stderr
