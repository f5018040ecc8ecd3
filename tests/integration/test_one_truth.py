"""One definition per rule: the list, the sidebar, `inbox --json` and the report agree item by item.

Answered, first response and SLA state come from services/desk/response.py; this
workspace holds one item of every case, and every reader must say the same of each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.ingest import upsert
from services.channels.protocol import Registry
from services.desk import response
from services.inbox import item_rows, sidebar
from services.inbox import listing as inbox
from services.reports import metrics
from services.reports.week import week_of
from services.store.db import SessionFactory
from services.store.models import Channel, Item, ItemKind, Reply, ReplyState, Status, utcnow
from services.workspace.actor import Actor
from services.workspace.unit_of_work import write_transaction

LONDON = ZoneInfo("Europe/London")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(factory: SessionFactory, officer: Actor) -> dict[str, int]:
    now = utcnow()
    ids: dict[str, int] = {}
    with write_transaction(factory, None) as tx:
        blog = Channel(
            name="Blog", kind="wordpress", config={}, created_at=now - timedelta(days=30)
        )
        feed = Channel(name="Appeals", kind="feed", config={}, created_at=now - timedelta(days=30))
        tx.session.add_all([blog, feed])
        tx.session.flush()

        def add(key: str, hours_ago: float, **kw: object) -> None:
            channel = kw.pop("channel", blog)
            assert isinstance(channel, Channel)
            who = str(kw.pop("author", f"Person {key}"))
            incoming = Incoming(
                key,
                kw.pop("kind", ItemKind.COMMENT),  # type: ignore[arg-type]  # test shorthand
                now - timedelta(hours=hours_ago),
                Author(who.lower(), who),
                ThreadRef(str(kw.pop("thread", "post-1"))),
                body_text=f"item {key}",
                needs_reply=bool(kw.pop("needs_reply", True)),
            )
            ids[key] = upsert(tx.session, channel.id, [incoming], now).inserted[0]

        add("fresh", 2)
        add("at_risk", 20)
        add("overdue", 30)
        add("answered_in_time", 30)
        add("answered_late", 50)
        add("earlier", 10, author="Sam", thread="post-2")
        add("later", 9, author="Sam", thread="post-2")
        add("spam", 5)
        add("history", 24 * 60)  # posted before the channel was connected
        add("feed", 3, channel=feed, kind=ItemKind.FEED_ENTRY, needs_reply=False, thread="feed")
        tx.session.get_one(Item, ids["spam"]).status = Status.SPAM
        for key, after_hours in (("answered_in_time", 2), ("answered_late", 26), ("later", 1)):
            item = tx.session.get_one(Item, ids[key])
            sent_at = item.created_at + timedelta(hours=after_hours)
            tx.session.add(
                Reply(
                    item_id=item.id,
                    author_id=officer.id,
                    body="answer",
                    state=ReplyState.SENT,
                    sent_at=sent_at,
                    created_at=sent_at,
                    updated_at=sent_at,
                )
            )
            response.record_sent_reply(tx.session, item, sent_at, officer.id)
    return ids


EXPECTED = {
    "fresh": (False, "pending"),
    "at_risk": (False, "pending"),
    "overdue": (False, "breached"),
    "answered_in_time": (True, "within"),
    "answered_late": (True, "breached"),
    "earlier": (True, "within"),  # answered by the reply to the same person's later comment
    "later": (True, "within"),
    "spam": (False, "n/a"),
    "history": (False, "n/a"),
    "feed": (False, "n/a"),
}


def _cli_rows(db_url: str) -> dict[int, dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONT_COUNTER")}
    env.update(FRONT_COUNTER_DB=db_url, FRONT_COUNTER_USER="ruth")
    done = subprocess.run(
        [sys.executable, "-m", "console", "inbox", "--all", "--json", "--limit", "100"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return {row["id"]: row for row in json.loads(done.stdout)}


def test_every_reader_agrees_on_answered_first_response_and_sla(
    factory: SessionFactory, world: dict[str, int], db_url: str, officer: Actor, registry: Registry
) -> None:
    now = utcnow()
    by_id = {v: k for k, v in world.items()}
    listed = {r.id: r for r in item_rows.rows(factory, list(world.values()), LONDON)}
    cli = _cli_rows(db_url)
    weeks = {
        week_of(r.posted_at.astimezone(LONDON).date(), LONDON)
        for r in listed.values()
        if r.posted_at
    }
    reported = {
        f.item_id: f
        for week in weeks
        for f in metrics.compute(factory, week, as_of=now, with_previous=False).items
    }
    for item_id, key in by_id.items():
        answered, state = EXPECTED[key]
        row, json_row, facts = listed[item_id], cli[item_id], reported[item_id]
        assert (row.answered, row.sla.state) == (answered, state), key
        assert (json_row["answered"], json_row["sla"]["state"]) == (answered, state), key  # type: ignore[index]
        assert facts.sla_state == state, key
        assert (facts.first_response_at is not None) == answered, key
        assert facts.first_response_at == row.first_response_at, key
        assert json_row["first_response_at"] == (
            row.first_response_at.isoformat() if row.first_response_at else None
        ), key
    assert listed[world["at_risk"]].sla.at_risk and not listed[world["fresh"]].sla.at_risk
    assert reported[world["later"]].responder == officer.display_name
    # The history item counts in its week's volume, never in response figures.
    assert world["history"] in reported and not reported[world["history"]].needs_answer
    counts = sidebar.load(factory, None, registry=registry).views
    waiting = [k for k in ("fresh", "at_risk", "overdue", "history") if k in by_id.values()]
    assert counts.unanswered == len(waiting)
    unanswered_ids = set(inbox.item_ids(factory, inbox.Query("is:unanswered", tz=LONDON)))
    assert unanswered_ids == {world[k] for k in waiting}
    answered_ids = set(inbox.item_ids(factory, inbox.Query("is:answered", tz=LONDON)))
    assert answered_ids == {world[k] for k, (a, _s) in EXPECTED.items() if a}


def test_a_report_week_is_the_week_the_public_wrote_in(
    factory: SessionFactory, world: dict[str, int]
) -> None:
    with factory() as s:
        history = s.get_one(Item, world["history"])
        posted, fetched = history.created_at, history.received_at
    assert fetched - posted > timedelta(days=50)
    week = week_of(posted.astimezone(LONDON).date(), LONDON)
    report = metrics.compute(factory, week, with_previous=False)
    assert [f.item_id for f in report.items] == [world["history"]]
    assert report.volume == 1 and report.needing_answer == 0 and report.sla_breaches == []
    this_week = metrics.compute(factory, week_of(fetched.astimezone(LONDON).date(), LONDON))
    assert world["history"] not in {f.item_id for f in this_week.items}


def test_reports_cli_lists_a_week_long_before_the_sync(
    db_url: str, factory: SessionFactory, world: dict[str, int], tmp_path: Path
) -> None:
    with factory() as s:
        posted: datetime = s.get_one(Item, world["history"]).created_at
    label = posted.astimezone(LONDON).strftime("%G-W%V")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONT_COUNTER")}
    env.update(FRONT_COUNTER_DB=db_url, FRONT_COUNTER_USER="ruth")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "report",
            "weekly",
            "--week",
            label,
            "--format",
            "csv",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    csvs = list(tmp_path.rglob("*.csv"))
    items_csv = [p for p in csvs if "item" in p.name]
    assert items_csv, csvs
    assert any(f"{world['history']}," in line for line in items_csv[0].read_text().splitlines())
