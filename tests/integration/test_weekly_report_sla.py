"""The weekly report's update and resolution breaches beside the first-response figures
(issue 11.4), on the hand-built week of test_weekly_report.py, from the list's own timers."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.ingest import upsert
from services.desk import response
from services.reports import export, metrics
from services.reports.week import parse_week
from services.store.db import SessionFactory
from services.store.models import Channel, Item, ItemKind, Reply, ReplyState
from services.workspace.actor import Actor
from services.workspace.unit_of_work import write_transaction
from tests.integration.test_weekly_report import LONDON, utc, week_world

__all__ = ["week_world"]  # the fixture, shared with test_weekly_report


def _write_again(
    factory: SessionFactory,
    officer: Actor,
    posts: list[tuple[str, str, str, datetime, datetime | None]],
) -> dict[str, int]:
    """More messages in the week: (key, author, thread, posted, our reply's sent time or None)."""
    ids: dict[str, int] = {}
    with write_transaction(factory, None) as tx:
        s = tx.session
        channels = {c.name: c for c in s.query(Channel)}
        for key, who, thread, at, answered in posts:
            channel = channels["Mailbox" if thread.startswith("mail") else "Blog"]
            item_id = upsert(
                s, channel.id,
                [Incoming(key, ItemKind.COMMENT, at, Author(who.lower(), who), ThreadRef(thread),
                          body_text=f"item {key}")],
                at,
            ).inserted[0]  # fmt: skip
            ids[key] = item_id
            if answered is not None:
                s.add(Reply(item_id=item_id, author_id=officer.id, body="thanks",
                            state=ReplyState.SENT, sent_at=answered, created_at=answered,
                            updated_at=answered))  # fmt: skip
                response.record_sent_reply(s, s.get_one(Item, item_id), answered, officer.id)
    return ids


def test_update_and_resolution_breaches_beside_the_first_response_figures(
    factory: SessionFactory,
    week_world: dict[str, int],
    officer: Actor,
    admin: Actor,
    tmp_path: Path,
) -> None:
    """Targets: first response 24 h, update 2 h, resolution 48 h, around the clock.

    Update rounds (the public writing again after our answer), worked by hand:
    - A (answered 19 Oct 02:30): Person A writes again 03:00, answered 04:00: in time.
    - J1 and J2 (Tom, answered 20 Oct 11:00): Tom writes again 21 Oct 09:00, answered 12:00,
      due 11:00: breached, for both.
    - D (answered 25 Oct 12:00): Person D writes again 13:00, no answer by the cut-off
      (26 Oct 00:00), due 15:00: breached.
    - H (answered 23 Oct 11:25): Person H writes again 25 Oct 23:00, due 26 Oct 01:00: running.
    Resolution (48 h from posting): A and G done in time; H, I, J1, J2, A2 (19 Oct 03:00)
    and J3 (21 Oct 09:00) past due undone; C, D, D2, H2 posted too late to be due yet.
    """
    from services.desk import sla_policy

    sla_policy.change(factory, admin, lambda v: {**v, "update_hours": 2, "resolution_hours": 48})
    w = week_world
    more = _write_again(
        factory,
        officer,
        [
            ("A2", "Person A", "post-1", utc(19, 3, 0), utc(19, 4, 0)),
            ("J3", "Tom", "mail-1", utc(21, 9, 0), utc(21, 12, 0)),
            ("D2", "Person D", "post-1", utc(25, 13, 0), None),
            ("H2", "Person H", "post-1", utc(25, 23, 0), None),
        ],
    )
    r = metrics.compute(factory, parse_week("2026-W43", LONDON))
    by_id = {f.item_id: f for f in r.items}
    assert {k: by_id[w[k]].update_sla for k in ("A", "J1", "J2", "D", "H", "G", "C")} == {
        "A": "within",
        "J1": "breached",
        "J2": "breached",
        "D": "breached",
        "H": "pending",
        "G": "n/a",  # nobody wrote again after our answer
        "C": "n/a",  # never answered: no update round can start
    }
    assert (r.update_sla.within, r.update_sla.breached, r.update_sla.pending) == (1, 3, 1)
    assert sorted(r.update_sla.breached_items) == sorted([w["J1"], w["J2"], w["D"]])
    breached = {w[k] for k in ("H", "I", "J1", "J2")} | {more["A2"], more["J3"]}
    assert set(r.resolution_sla.breached_items) == breached
    assert (r.resolution_sla.within, r.resolution_sla.pending) == (2, 4)
    assert by_id[w["A"]].resolution_sla == "within" and by_id[w["C"]].resolution_sla == "pending"
    # The first-response figures stand beside them, from the same timers.
    assert [f.item_id for f in r.sla_breaches] == [w["I"], w["D"]]
    headline = r.headline()
    assert (headline["update SLA breaches"], headline["resolution SLA breaches"]) == (3.0, 6.0)

    files = {p.name: p for p in export.write_csv(r, tmp_path)}
    text = files["2026-W43-items.csv"].read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert sum(1 for x in rows if x["update_sla"] == "breached") == 3
    assert sum(1 for x in rows if x["resolution_sla"] == "breached") == 6
    summary = files["2026-W43-summary.csv"].read_text(encoding="utf-8")
    assert "update SLA breaches,3" in summary and "resolution SLA breaches,6" in summary
    html = export.render_html(r, {}, utc(26, 9, 0))
    assert "SLA, update (a reply due after the public writes again): 3 items breached" in html
    assert "SLA, resolution: 6 items breached, 2 done in time, 4 still running" in html


def test_the_sla_figures_take_the_same_number_of_queries_for_a_bigger_week(
    factory: SessionFactory, week_world: dict[str, int], officer: Actor, admin: Actor
) -> None:
    """No query per item: twenty more conversations with update rounds add no statement."""
    from sqlalchemy import event

    from services.desk import sla_policy

    sla_policy.change(factory, admin, lambda v: {**v, "update_hours": 2, "resolution_hours": 48})
    engine = factory.kw["bind"]
    week = parse_week("2026-W43", LONDON)

    def statements() -> int:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count)
        try:
            metrics.compute(factory, week, with_previous=False)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    before = statements()
    posts = []
    for n in range(20):
        who = f"Caller {n}"
        posts.append((f"X{n}", who, f"talk-{n}", utc(20, 9, n), utc(20, 10, n)))
        posts.append((f"Y{n}", who, f"talk-{n}", utc(20, 11, n), utc(20, 14, n)))
    _write_again(factory, officer, posts)
    assert statements() == before
