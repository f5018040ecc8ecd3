"""`python -m console` as a subprocess: what a script or an officer at a terminal sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(
    db: str, *args: str, user: str | None = "ruth", stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONT_COUNTER")}
    env["FRONT_COUNTER_DB"] = db
    if user:
        env["FRONT_COUNTER_USER"] = user
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )


@pytest.fixture
def demo_db(db_url: str) -> str:
    assert run(db_url, "db", "upgrade").returncode == 0
    result = run(db_url, "demo", "load")
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout
    return db_url


def test_triage_round_trip_from_the_command_line(demo_db: str) -> None:
    listing = run(demo_db, "inbox", "--json", "from:helen", "channel:blog")
    assert listing.returncode == 0, listing.stderr
    rows = json.loads(listing.stdout)
    assert [r["author"] for r in rows] == ["Helen Brennan"]
    item = str(rows[0]["id"])
    assert run(demo_db, "tag", "urgent", item).returncode == 0
    assert run(demo_db, "assign", "a.moran", item).returncode == 0
    assert run(demo_db, "note", item, "Inspector will call her").returncode == 0
    assert run(demo_db, "status", "snoozed", item, "--for", "2d").returncode == 0
    shown = json.loads(run(demo_db, "item", "show", item, "--json").stdout)
    assert "urgent" in shown["tags"] and shown["assignee"] == "a.moran"
    assert shown["status"] == "snoozed"
    assert shown["notes"][-1]["body"] == "Inspector will call her"
    text = run(demo_db, "item", "show", item).stdout
    assert "Audit trail" in text and "item.note" in text
    assert run(demo_db, "audit", "verify").stdout.startswith("audit chain intact")


def test_inbox_table_and_bad_query(demo_db: str) -> None:
    table = run(demo_db, "inbox", "tag:complaint")
    assert table.returncode == 0 and table.stdout.splitlines()[0].split()[:3] == [
        "ID",
        "CHANNEL",
        "FROM",
    ]
    bad = run(demo_db, "inbox", "colour:red")
    assert bad.returncode == 1 and bad.stderr.startswith("error: unknown filter 'colour:'")
    assert "Traceback" not in bad.stderr


def test_unknown_user_and_missing_rights_are_refused(demo_db: str) -> None:
    who = run(demo_db, "inbox", user="mallory")
    assert who.returncode == 1 and "unknown user 'mallory'" in who.stderr
    officer = run(demo_db, "user", "add", "eve", "--role", "admin", user="d.hughes")
    assert officer.returncode == 1 and "only admin" in officer.stderr
    added = run(demo_db, "user", "add", "eve", "--role", "officer", user="r.lindqvist")
    assert added.returncode == 0
    users = json.loads(run(demo_db, "user", "list", "--json").stdout)
    assert {"name": "eve", "role": "officer"}.items() <= next(
        u for u in users if u["name"] == "eve"
    ).items()


def test_first_user_of_a_new_database_becomes_admin(tmp_path: Path) -> None:
    db = str(tmp_path / "new.db")
    assert run(db, "db", "upgrade").returncode == 0
    assert run(db, "user", "list", user="chief").returncode == 0
    users = json.loads(run(db, "user", "list", "--json", user="chief").stdout)
    assert [(u["name"], u["role"]) for u in users] == [("chief", "admin")]


def test_usage_errors_exit_non_zero_with_help(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    assert run(db, "db", "upgrade").returncode == 0
    assert run(db, "status", "bogus", "1").returncode == 2
    assert run(db, "escalate", "1", "--reason", "x").returncode == 2  # needs --to or --team
    snooze = run(db, "status", "snoozed", "1")
    assert snooze.returncode == 1 and "snooze needs" in snooze.stderr
    helped = run(db, "--help")
    assert helped.returncode == 0 and "inbox" in helped.stdout


def test_tampered_audit_is_reported_with_exit_code(demo_db: str) -> None:
    from sqlalchemy import text

    from services.store.db import make_engine

    engine = make_engine(demo_db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET action = 'item.nothing' WHERE seq = 5"))
    engine.dispose()
    result = run(demo_db, "audit", "verify")
    assert result.returncode == 3 and "BROKEN at event 5" in result.stdout


def test_channel_commands_with_a_secret_on_stdin(tmp_path: Path) -> None:
    from tests.fakes.wordpress import FakeWordPress

    fake = FakeWordPress().start()
    try:
        fake.add_post(812, "Recruiting")
        fake.add_comment(812, "hello from the blog")
        db = str(tmp_path / "c.db")
        assert run(db, "db", "upgrade").returncode == 0
        added = run(
            db,
            "channel",
            "add",
            "wordpress",
            "--name",
            "Force blog",
            "--url",
            fake.site,
            "--login",
            fake.login,
            "--secret-stdin",
            stdin=fake.password + "\n",
        )
        assert added.returncode == 0, added.stderr
        tested = run(db, "channel", "test", "Force blog")
        assert tested.returncode == 0 and "connected as Engagement Team" in tested.stdout
        synced = run(db, "sync")
        assert synced.returncode == 0 and "Force blog: ok, 1 new" in synced.stdout
        listing = json.loads(run(db, "channel", "list", "--json").stdout)
        assert [(c["name"], c["state"]) for c in listing] == [("Force blog", "ok")]
        assert fake.password not in added.stdout + added.stderr + tested.stdout + synced.stdout
        bad = run(db, "channel", "add", "feed", "--name", "x", "--url", "not a url")
        assert bad.returncode == 1 and "is not a web address" in bad.stderr
    finally:
        fake.stop()
