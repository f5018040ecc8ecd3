"""Weekly report metrics against a hand-built week (2026-W43, which ends with the clocks going back).

Every expected value below was worked out by hand from the times placed here.
Week 2026-W43 in London: Mon 19 Oct 00:00 BST (= Sun 18 Oct 23:00 UTC) to
Mon 26 Oct 00:00 GMT (= 26 Oct 00:00 UTC): 169 hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.channels.incoming import Author, Incoming, ThreadRef
from services.channels.ingest import upsert
from services.desk import response, sla, sla_policy
from services.records.audit_actions import AuditAction
from services.reports import export, metrics
from services.reports.week import parse_week
from services.store.db import SessionFactory
from services.store.models import Channel, Item, ItemKind, Reply, ReplyState, Status
from services.store.models_desk import Escalation
from services.workspace.actor import Actor
from services.workspace.unit_of_work import write_transaction

LONDON = ZoneInfo("Europe/London")


def utc(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def week_world(
    factory: SessionFactory, officer: Actor, supervisor: Actor, admin: Actor
) -> dict[str, int]:
    from services.workspace.users import Role, add_user

    aisha = add_user(factory, admin, "aisha", Role.OFFICER, "PCSO Aisha Moran")
    ids: dict[str, int] = {}
    with write_transaction(factory, None) as tx:
        connected = utc(1, 0)  # the channels were connected long before the week
        blog = Channel(name="Blog", kind="wordpress", config={}, created_at=connected)
        mail = Channel(name="Mailbox", kind="email", config={}, created_at=connected)
        feed = Channel(name="Appeals", kind="feed", config={}, created_at=connected)
        tx.session.add_all([blog, mail, feed])
        tx.session.flush()

        def add(
            key: str,
            channel: Channel,
            at: datetime,
            *,
            kind: ItemKind = ItemKind.COMMENT,
            author: str | None = None,
            thread: str = "post-1",
            needs_reply: bool = True,
        ) -> int:
            who = author or f"Person {key}"
            item_id = upsert(
                tx.session,
                channel.id,
                [
                    Incoming(
                        key,
                        kind,
                        at,
                        Author(who.lower(), who),
                        ThreadRef(thread),
                        body_text=f"item {key}",
                        needs_reply=needs_reply,
                    )
                ],
                at,
            ).inserted[0]
            ids[key] = item_id
            return item_id

        add("A", blog, utc(18, 23, 30))  # Mon 19 Oct 00:30 BST: inside the week
        add("B", blog, utc(18, 22, 30))  # Sun 18 Oct 23:30 BST: the week before
        add("C", blog, utc(25, 23, 30))  # Sun 25 Oct 23:30 GMT: last hour of the week
        add("D", blog, utc(24, 10, 0))
        add("E", blog, utc(20, 9, 0))
        add("F", feed, utc(21, 9, 0), kind=ItemKind.FEED_ENTRY, needs_reply=False, thread="feed")
        add("G", blog, utc(22, 8, 0))
        add("H", blog, utc(23, 10, 0))
        add("I", blog, utc(19, 12, 0))
        add("J1", mail, utc(20, 9, 0), kind=ItemKind.EMAIL, author="Tom", thread="mail-1")
        add("J2", mail, utc(20, 10, 0), kind=ItemKind.EMAIL, author="Tom", thread="mail-1")
        s = tx.session
        get = lambda k: s.get_one(Item, ids[k])  # noqa: E731
        get("E").status = Status.SPAM
        get("A").sentiment, get("D").sentiment = "positive", "negative"
        for key, done_at, who in (("A", utc(19, 2, 0), officer), ("G", utc(22, 10, 0), aisha)):
            get(key).status, get(key).resolved_at = Status.DONE, done_at
            tx.audit(
                AuditAction.ITEM_STATUS,
                "item",
                ids[key],
                {"status": "open"},
                {"status": "done"},
                actor_id=who.id,
                at=done_at,
            )

        def sent(key: str, author: Actor, at: datetime) -> int:
            reply = Reply(
                item_id=ids[key],
                author_id=author.id,
                body=f"reply to {key}",
                state=ReplyState.SENT,
                sent_at=at,
                created_at=at,
                updated_at=at,
            )
            s.add(reply)
            s.flush()
            response.record_sent_reply(s, get(key), at, author.id)
            return reply.id

        sent("A", officer, utc(19, 2, 30))  # 180 min
        sent("D", aisha, utc(25, 12, 0))  # next day: 26 h = 1560 min, a breach
        sent("G", officer, utc(22, 8, 30))  # 30 min: the first of two replies counts
        sent("G", aisha, utc(22, 9, 0))
        h_reply = sent("H", officer, utc(23, 11, 25))  # 85 min, after a return and a re-approval
        sent("J2", officer, utc(20, 11, 0))  # answers J2 (60 min) and Tom's earlier J1 (120 min)
        for action, who, at in (
            ("reply.submit", officer, utc(23, 10, 10)),
            ("reply.return", supervisor, utc(23, 10, 40)),
            ("reply.submit", officer, utc(23, 11, 0)),
            ("reply.approve", supervisor, utc(23, 11, 20)),
        ):
            tx.audit(action, "item", ids["H"], None, {"reply_id": h_reply}, actor_id=who.id, at=at)
        tx.audit(
            AuditAction.ITEM_MODERATE,
            "item",
            ids["E"],
            None,
            {"action": "spam"},
            actor_id=officer.id,
            at=utc(20, 9, 30),
        )
        s.add_all(
            [
                Escalation(
                    item_id=ids["I"],
                    raised_by_id=officer.id,
                    to_team="Professional Standards",
                    reason="Complaint",
                    created_at=utc(19, 13, 0),
                ),
                Escalation(
                    item_id=ids["B"],
                    raised_by_id=officer.id,
                    to_user_id=supervisor.id,
                    reason="Threat",
                    created_at=utc(15, 9, 0),
                    resolved_at=utc(20, 9, 0),
                ),
                Escalation(
                    item_id=ids["B"],
                    raised_by_id=aisha.id,
                    to_user_id=supervisor.id,
                    reason="Press",
                    created_at=utc(16, 9, 0),
                ),
            ]
        )
    return ids


def test_week_bounds_follow_the_clock_change() -> None:
    week = parse_week("2026-W43", LONDON)
    assert (week.start, week.end) == (utc(18, 23, 0), utc(26, 0, 0))
    assert week.end - week.start == timedelta(hours=169)


def test_each_moment_falls_on_its_local_day_across_the_clock_change() -> None:
    week = parse_week("2026-W43", LONDON)
    moment = week.start - timedelta(hours=2)
    while moment < week.end + timedelta(hours=2):
        assert week.local_day(moment) == moment.astimezone(LONDON).date(), moment
        moment += timedelta(minutes=15)


def test_every_metric_matches_the_hand_count(
    factory: SessionFactory, week_world: dict[str, int]
) -> None:
    r = metrics.compute(factory, parse_week("2026-W43", LONDON))
    assert r.volume == 10
    assert r.volume_by_channel == {"Blog": 7, "Mailbox": 2, "Appeals": 1}
    days = {d.isoformat(): sum(v.values()) for d, v in r.volume_by_day.items()}
    assert days == {
        "2026-10-19": 2,
        "2026-10-20": 3,
        "2026-10-21": 1,
        "2026-10-22": 1,
        "2026-10-23": 1,
        "2026-10-24": 1,
        "2026-10-25": 1,
    }
    assert (r.needing_answer, r.answered, r.response_rate) == (8, 6, 0.75)
    frt = {f.item_id: f.frt_minutes for f in r.items}
    w = week_world
    assert [frt[w[k]] for k in ("A", "D", "G", "H", "J1", "J2")] == [180, 1560, 30, 85, 120, 60]
    assert (r.frt.n, r.frt.median_minutes, r.frt.p90_minutes) == (6, 102.5, 870.0)
    assert r.frt_by_officer["PC Dan Hughes"] == metrics.Stats(5, 85, 156.0)
    assert r.frt_by_officer["PCSO Aisha Moran"] == metrics.Stats(1, 1560, 1560)
    assert r.frt_by_channel["Mailbox"] == metrics.Stats(2, 90.0, 114.0)
    assert (r.sla_within, [f.item_id for f in r.sla_breaches], r.sla_pending) == (
        5,
        [w["I"], w["D"]],
        1,
    )
    assert r.sla_share == pytest.approx(5 / 7)
    assert (r.resolution.n, r.resolution.median_minutes) == (2, 135.0)  # A 150 min, G 120 min
    assert r.spam_count == 1 and r.moderation == {"spam": 1}
    assert r.by_tag == {}
    assert r.sentiment == {"unrated": 8, "positive": 1, "negative": 1}
    assert r.new_contacts == 9
    assert (len(r.escalations), r.escalations_by_target) == (1, {"Professional Standards": 1})
    assert sorted(e.reason for e in r.open_escalations) == ["Complaint", "Press"]
    assert [(d.decision, d.turnaround_minutes) for d in r.decisions] == [
        ("returned", 30.0),
        ("approved", 20.0),
    ]
    assert (r.returned_share, r.review_turnaround.median_minutes) == (0.5, 25.0)
    assert r.workload == {
        "PC Dan Hughes": metrics.Workload(1, 4, 1),
        "PCSO Aisha Moran": metrics.Workload(1, 2, 0),
    }
    assert r.previous is not None and r.previous.volume == 1
    assert r.headline()["inbound items"] == 10


def test_the_week_befores_headline_is_that_weeks_own(
    factory: SessionFactory, week_world: dict[str, int]
) -> None:
    """The report computes the week before for its headline only (fewer figures, faster):
    each headline figure still equals that week's own report's."""
    following = metrics.compute(factory, parse_week("2026-W44", LONDON))
    own = metrics.compute(factory, parse_week("2026-W43", LONDON), with_previous=False)
    assert following.previous is not None
    assert following.previous.headline() == own.headline()
    assert own.headline()["inbound items"] == 10 and own.decisions  # a week with everything


def test_as_of_is_reproducible_and_a_later_cut_off_counts_later_answers(
    factory: SessionFactory, week_world: dict[str, int], officer: Actor
) -> None:
    week = parse_week("2026-W43", LONDON)
    first = metrics.compute(factory, week)
    with write_transaction(factory, None) as tx:
        tx.session.add(
            Reply(
                item_id=week_world["C"],
                author_id=officer.id,
                body="late",
                state=ReplyState.SENT,
                sent_at=utc(26, 9, 0),
                created_at=utc(26, 9, 0),
                updated_at=utc(26, 9, 0),
            )
        )
        item = tx.session.get_one(Item, week_world["C"])
        response.record_sent_reply(tx.session, item, utc(26, 9, 0), officer.id)
    again = metrics.compute(factory, week)
    assert (again.answered, again.frt) == (first.answered, first.frt)  # the same report, re-run
    later = metrics.compute(factory, week, as_of=utc(27, 0, 0))
    assert later.answered == 7 and later.sla_pending == 0


def test_business_hours_variant(
    factory: SessionFactory, week_world: dict[str, int], admin: Actor
) -> None:
    sla.set_policy(factory, admin, sla.SlaPolicy(24, sla.BusinessHours(time(8), time(18))))
    r = metrics.compute(factory, parse_week("2026-W43", LONDON))
    by_id = {f.item_id: f for f in r.items}
    w = week_world
    assert by_id[w["A"]].frt_business_minutes == 0  # answered at 03:30, before the working day
    assert by_id[w["G"]].frt_business_minutes == 30
    assert by_id[w["D"]].frt_business_minutes == 0  # a weekend: no business time passed
    assert by_id[w["D"]].sla_state == "within"
    # 24 working hours after Mon 19 Oct 13:00 BST: 5 h Monday + 10 h Tuesday + 9 h Wednesday.
    assert by_id[w["I"]].sla_due == datetime(2026, 10, 21, 17, 0, tzinfo=LONDON)
    assert r.frt_business is not None and r.frt_business.n == 6


def test_business_hours_first_response_skips_the_slas_holidays(
    factory: SessionFactory, week_world: dict[str, int], admin: Actor
) -> None:
    """The report's first response in business hours keeps the SLA clock's calendar: a
    holiday the policy names is no working time, in the figure as on the timer."""
    sla.set_policy(factory, admin, sla.SlaPolicy(24, sla.BusinessHours(time(8), time(18))))
    week = parse_week("2026-W43", LONDON)
    before = {f.item_id: f for f in metrics.compute(factory, week).items}
    h = week_world["H"]
    assert before[h].frt_business_minutes == 85  # Fri 23 Oct 11:00-12:25 BST, a working day
    sla_policy.change(
        factory, admin, lambda old: sla_policy.with_holidays(old, [date(2026, 10, 23)], [])
    )
    after = {f.item_id: f for f in metrics.compute(factory, week).items}
    assert after[h].frt_business_minutes == 0  # the whole day is a holiday
    g = week_world["G"]  # Thu 22 Oct 09:00-09:30 BST: not the holiday
    assert after[g].frt_business_minutes == before[g].frt_business_minutes == 30


def test_csv_rows_recheck_the_figures(
    factory: SessionFactory, week_world: dict[str, int], tmp_path: Path
) -> None:
    import csv

    r = metrics.compute(factory, parse_week("2026-W43", LONDON))
    files = {p.name: p for p in export.write_csv(r, tmp_path)}
    with files["2026-W43-items.csv"].open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == r.volume
    answered = [float(x["first_response_minutes"]) for x in rows if x["first_response_minutes"]]
    assert sorted(answered) == [30, 60, 85, 120, 180, 1560]
    assert sum(1 for x in rows if x["sla"] == "breached") == 2
    with files["2026-W43-summary.csv"].open(encoding="utf-8") as fh:
        summary = {row["metric"]: row for row in csv.DictReader(fh)}
    assert (
        summary["inbound items"]["this week"] == "10" and summary["inbound items"]["change"] == "9"
    )
    assert date(2026, 10, 19).isoformat() in files["2026-W43-daily-volume.csv"].read_text()
