"""The weekly report's numbers: one definition each, computed from the database as of a cut-off.

Definitions (also in README):
- Week: ISO week, Monday 00:00 to Monday 00:00 in the force's time zone.
- Inbound item of the week: direction inbound, received_at within the week.
- As of: figures count only what had happened by the cut-off (default: the end
  of the week), so re-running a report gives the same numbers.
- Needs an answer: inbound, not spam, not a feed entry, not marked "no reply needed".
- First response: our first *sent* reply in the item's conversation: a reply to
  the item itself, or to a later item in the same thread from the same contact;
  sent after the item arrived and before the cut-off. First response time =
  that reply's sent_at − the item's received_at.
- Response rate: items needing an answer with a first response ÷ items needing an answer.
- Resolution time: received_at → resolved_at, for items done by the cut-off.
- SLA: the three timers of services/desk/sla_timers.py (the list's own), per item, read
  for the week by services/desk/sla_report.py. A breach is an answer (or for resolution,
  done) later than the target, or none by the cut-off with the deadline passed; items still
  within their deadline are "pending". Update: breached if any round (the public writing
  again after our answer) was answered late or is overdue.
- Median: statistics.median. 90th percentile: inclusive linear interpolation
  (statistics.quantiles(n=10, method="inclusive")[8]); one value is its own p90.
- Escalations: raised in the week, by reason and by target; "open at week's
  end" = raised before the end and not resolved by then (from any week).
- Review: approve/return decisions taken in the week (audit events);
  returned share = returns ÷ decisions; turnaround = decision − latest submission.
- Moderation actions: moderation on the platforms recorded in the week.
- Workload per officer: items they marked done, replies of theirs sent, escalations they raised.
- Risk: flags raised, time to first action on urgent items, flags cleared as false
  (defined in services/reports/risk_figures.py).
- Converted to a crime report: inbound items of the week with a crime reference at the
  cut-off, on the item itself, its thread or its contact (services/desk/references.py).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Row, String, and_, func, select, type_coerce
from sqlalchemy.orm import Session

from services import heap
from services.desk import references, response, sla
from services.desk.sla_facts import Place, Posted
from services.desk.sla_report import StateCounts, WeekClocks
from services.records import welfare
from services.reports import activity, risk_figures, week_tags
from services.reports.activity import EscalationFacts, ReviewDecision, Workload
from services.reports.risk_figures import RiskFigures
from services.reports.week import Week
from services.store import snapshots
from services.store.db import SessionFactory
from services.store.models import (
    Channel,
    Contact,
    Direction,
    Item,
    Status,
    User,
)


@dataclass(frozen=True)
class Stats:
    n: int
    median_minutes: float | None
    p90_minutes: float | None


def stats(minutes: list[float]) -> Stats:
    if not minutes:
        return Stats(0, None, None)
    data = sorted(minutes)
    p90 = data[0] if len(data) == 1 else statistics.quantiles(data, n=10, method="inclusive")[8]
    return Stats(len(data), statistics.median(data), p90)


class ItemFacts(NamedTuple):
    """One item of the week: a tuple, as a week holds 100,000 and a frozen dataclass
    cost more to build than its figures did."""

    item_id: int
    channel: str
    kind: str
    author: str
    received_at: datetime  # arrival: when the public posted it (services/desk/response.py)
    local_day: date
    needs_answer: bool
    status: str
    source_state: str
    tags: tuple[str, ...]
    sentiment: str | None
    first_response_at: datetime | None
    responder: str | None
    frt_minutes: float | None
    frt_business_minutes: float | None
    sla_due: datetime | None
    sla_state: str  # within, breached, pending, n/a
    resolved_at: datetime | None
    resolution_minutes: float | None
    permalink: str | None
    crime_references: tuple[str, ...] = ()
    update_sla: str = "n/a"  # within, breached, pending, n/a (services/desk/sla_report.py)
    resolution_sla: str = "n/a"


@dataclass
class WeeklyReport:
    week: Week
    as_of: datetime
    policy: sla.SlaPolicy
    items: list[ItemFacts]
    volume_by_channel: dict[str, int]
    volume_by_day: dict[date, dict[str, int]]
    new_contacts: int
    by_tag: dict[str, int]
    spam_count: int
    moderation: dict[str, int]
    needing_answer: int
    answered: int
    response_rate: float | None
    frt: Stats
    frt_business: Stats | None
    frt_by_channel: dict[str, Stats]
    frt_by_officer: dict[str, Stats]
    resolution: Stats
    sla_within: int
    sla_breaches: list[ItemFacts]
    sla_pending: int
    update_sla: StateCounts
    resolution_sla: StateCounts
    escalations: list[EscalationFacts]
    escalations_by_reason: dict[str, int]
    escalations_by_target: dict[str, int]
    open_escalations: list[EscalationFacts]
    decisions: list[ReviewDecision]
    sentiment: dict[str, int]
    workload: dict[str, Workload]
    risk: RiskFigures = field(default_factory=RiskFigures)
    # Distressing items each person opened (services/records/welfare.py): for rotation.
    welfare: dict[str, int] = field(default_factory=dict)
    # Items of the week with a crime reference at the cut-off ("converted to a crime report").
    converted_to_crime: int = 0
    # The week before, for its headline() only: its review decisions, workload, moderation
    # and welfare figures are left empty (nothing shows them; 0.15-0.2 s at a million items).
    previous: WeeklyReport | None = field(default=None, repr=False)

    @property
    def sla_share(self) -> float | None:
        judged = self.sla_within + len(self.sla_breaches)
        return self.sla_within / judged if judged else None

    @property
    def returned_share(self) -> float | None:
        if not self.decisions:
            return None
        return sum(1 for d in self.decisions if d.decision == "returned") / len(self.decisions)

    @property
    def review_turnaround(self) -> Stats:
        return stats(
            [d.turnaround_minutes for d in self.decisions if d.turnaround_minutes is not None]
        )

    @property
    def urgent_first_action(self) -> Stats:
        return stats(list(self.risk.first_action_minutes))

    @property
    def volume(self) -> int:
        return len(self.items)

    def headline(self) -> dict[str, float | None]:
        return {
            "inbound items": float(self.volume),
            "response rate %": None
            if self.response_rate is None
            else round(self.response_rate * 100, 1),
            "median first response (min)": self.frt.median_minutes,
            "90th percentile first response (min)": self.frt.p90_minutes,
            "within SLA %": None if self.sla_share is None else round(self.sla_share * 100, 1),
            "update SLA breaches": float(self.update_sla.breached),
            "resolution SLA breaches": float(self.resolution_sla.breached),
            "escalations raised": float(len(self.escalations)),
            "escalations open at week's end": float(len(self.open_escalations)),
            "new contacts": float(self.new_contacts),
            "urgent flags raised": float(self.risk.raised_urgent),
            "watch flags raised": float(self.risk.raised_watch),
            "median first action on urgent (min)": self.urgent_first_action.median_minutes,
            "flags cleared as false": float(self.risk.cleared_as_false),
            "converted to a crime report": float(self.converted_to_crime),
        }


def as_text(column: Any) -> Any:
    return type_coerce(column, String)


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 2)


class _Side(NamedTuple):
    """The figures that need none of the week's items, read beside them (services/store/snapshots.py)."""

    escalations: list[EscalationFacts]
    open_escalations: list[EscalationFacts]
    new_contacts: int
    moderation: dict[str, int]
    decisions: list[ReviewDecision]
    workload: dict[str, Workload]
    risk: RiskFigures
    welfare: dict[str, int]


def _side(
    s: Session, start: datetime, end: datetime, as_of: datetime, headline_only: bool
) -> _Side:
    users = {u.id: u.display_name for u in s.scalars(select(User))}
    new_contacts = s.scalar(
        select(func.count()).where(Contact.first_seen_at >= start, Contact.first_seen_at < end)
    )
    return _Side(
        escalations=activity.escalations(s, users, start, end),
        open_escalations=activity.escalations(s, users, None, end, open_only=True),
        new_contacts=new_contacts or 0,
        moderation={} if headline_only else activity.moderation(s, start, end),
        decisions=[] if headline_only else activity.decisions(s, users, start, end),
        workload={} if headline_only else activity.workload(s, users, start, end),
        risk=risk_figures.compute(s, start, end, as_of),
        welfare={} if headline_only else welfare.opened_in_week(s, users, start, end),
    )


def compute(
    factory: SessionFactory, week: Week, as_of: datetime | None = None, with_previous: bool = True
) -> WeeklyReport:
    cut_off = as_of or week.end
    prev = week.previous() if with_previous else None

    def side_figures(side: Session) -> tuple[_Side, _Side | None]:
        this = _side(side, week.start, week.end, cut_off, headline_only=False)
        before = _side(side, prev.start, prev.end, prev.end, headline_only=True) if prev else None
        return this, before

    with factory() as s, heap.collector_paused():
        shared = snapshots.begin_shared(s)
        sides = snapshots.beside(factory, s, shared, side_figures)
        report = _compute(s, week, cut_off, lambda: sides()[0])
        if prev is not None:
            report.previous = _compute(s, prev, prev.end, lambda: _given(sides()[1]))
    return report


def _given(side: _Side | None) -> _Side:
    assert side is not None
    return side


def _compute(
    s: Session, week: Week, as_of: datetime, side_figures: Callable[[], _Side]
) -> WeeklyReport:
    policy = sla.load(s)
    start, end = week.start, week.end
    channels = {c.id: c.name for c in s.scalars(select(Channel))}
    connected = response.connected_at(s)
    users = {u.id: u.display_name for u in s.scalars(select(User))}
    in_week = and_(Item.direction == Direction.INBOUND, response.posted_between(start, end))
    # Only the columns a figure needs: never the bodies or raw payloads. Through the
    # connection, not the ORM: its row handling cost 0.35 s a week of 100,000 items; kind
    # and status as their stored text, which equals the enums' values (no lookup per row).
    rows: Sequence[Row[Any]] = (
        s.connection()
        .execute(
            select(
                Item.id,
                Item.channel_id,
                as_text(Item.kind),
                Item.needs_reply,
                as_text(Item.status),
                Item.source_state,
                Item.created_at,
                Item.sentiment,
                Item.first_response_at,
                Item.first_responder_id,
                Item.resolved_at,
                Item.permalink,
                Item.thread_id,
                Item.contact_id,
            )
            .where(in_week)
            .order_by(Item.created_at, Item.id)
        )
        .all()
    )
    # The authors' names looked up once each: joined per row, PostgreSQL probed the contacts'
    # key for each of 113,000 items (a third of a second).
    authors = week_tags.names_of(s, {r[13] for r in map(tuple, rows) if r[13] is not None})
    tags = week_tags.tags_of(s, [row[0] for row in rows])
    crime = references.crime_references(s, [row[0] for row in rows], as_of)
    places = [Place(r[0], r[12], r[13], str(r[4])) for r in map(tuple, rows)]
    posted = Posted(end, [(r[12], r[13], r[6], r[0]) for r in map(tuple, rows)])
    clocks = WeekClocks(s, start, as_of, week.tz, places, posted)  # the list's own timers
    items = [
        _facts(row, channels, connected, users, authors, tags.get(row[0], ()), clocks, week, as_of)
        for row in rows
    ]
    if crime:
        items = [
            f._replace(crime_references=tuple(crime[f.item_id])) if f.item_id in crime else f
            for f in items
        ]
    needing = [f for f in items if f.needs_answer]
    answered = [f for f in needing if f.frt_minutes is not None]
    by_channel: dict[str, list[float]] = defaultdict(list)
    by_officer: dict[str, list[float]] = defaultdict(list)
    for f in answered:
        assert f.frt_minutes is not None
        by_channel[f.channel].append(f.frt_minutes)
        by_officer[f.responder or "?"].append(f.frt_minutes)
    volume_by_day: dict[date, dict[str, int]] = {d: {} for d in week.days}
    for f in items:
        day = volume_by_day.setdefault(f.local_day, {})
        day[f.channel] = day.get(f.channel, 0) + 1
    side = side_figures()
    return WeeklyReport(
        week=week,
        as_of=as_of,
        policy=policy,
        items=items,
        volume_by_channel=dict(Counter(f.channel for f in items).most_common()),
        volume_by_day=volume_by_day,
        new_contacts=side.new_contacts,
        by_tag=dict(Counter(t for f in items for t in f.tags).most_common()),
        spam_count=sum(
            1 for f in items if f.status == "spam" or f.source_state in ("spam", "hidden")
        ),
        moderation=side.moderation,
        needing_answer=len(needing),
        answered=len(answered),
        response_rate=len(answered) / len(needing) if needing else None,
        frt=stats([f.frt_minutes for f in answered if f.frt_minutes is not None]),
        frt_business=stats(
            [f.frt_business_minutes for f in answered if f.frt_business_minutes is not None]
        )
        if policy.business_hours
        else None,
        frt_by_channel={k: stats(v) for k, v in sorted(by_channel.items())},
        frt_by_officer={k: stats(v) for k, v in sorted(by_officer.items())},
        resolution=stats([f.resolution_minutes for f in items if f.resolution_minutes is not None]),
        sla_within=sum(1 for f in needing if f.sla_state == "within"),
        sla_breaches=[f for f in needing if f.sla_state == "breached"],
        sla_pending=sum(1 for f in needing if f.sla_state == "pending"),
        update_sla=StateCounts.of((f.item_id, f.update_sla) for f in needing),
        resolution_sla=StateCounts.of((f.item_id, f.resolution_sla) for f in needing),
        escalations=side.escalations,
        escalations_by_reason=dict(Counter(e.reason for e in side.escalations).most_common()),
        escalations_by_target=dict(Counter(e.target for e in side.escalations).most_common()),
        open_escalations=side.open_escalations,
        decisions=side.decisions,
        sentiment=dict(Counter(f.sentiment or "unrated" for f in items).most_common()),
        workload=side.workload,
        risk=side.risk,
        welfare=side.welfare,
        converted_to_crime=len(crime),
    )


def _facts(
    row: Sequence[Any],
    channels: dict[int, str],
    connected: dict[int, datetime],
    users: dict[int, str],
    authors: dict[int, str],
    tags: tuple[str, ...],
    clocks: WeekClocks,
    week: Week,
    as_of: datetime,
) -> ItemFacts:
    # Unpacked by position: a week of a million-item workspace is 100,000 rows, and reading
    # each by attribute name cost more than the figures themselves.
    (
        item_id,
        channel_id,
        kind,
        needs_reply,
        status,
        source_state,
        posted,
        sentiment,
        first_at,
        responder_id,
        resolved_at,
        permalink,
        _thread,
        contact_id,
    ) = row
    needs = response.needs_answer(Direction.INBOUND, needs_reply, status, kind)
    counts = response.counts_for_response(needs, posted, connected.get(channel_id, posted))
    if first_at is not None and first_at > as_of:
        first_at = None
    responder = users.get(responder_id) if first_at and responder_id else None
    timed = first_at if counts else None
    frt = _minutes(timed - posted) if timed else None
    business = clocks.business_elapsed(posted, timed) if timed else None
    frt_business = _minutes(business) if business is not None else None
    resolved = (
        resolved_at if resolved_at and resolved_at <= as_of and status == Status.DONE else None
    )
    timers = clocks.judge(item_id, channel_id, tags, posted, counts, first_at, resolved)
    return ItemFacts(
        item_id,
        channels.get(channel_id, "?"),
        str(kind),
        authors.get(contact_id, "") if contact_id is not None else "",
        posted,
        week.local_day(posted),
        counts,
        str(status),
        source_state,
        tags,
        sentiment,
        first_at,
        responder,
        frt,
        frt_business,
        timers.first_response_due,
        timers.first_response,
        resolved,
        _minutes(resolved - posted) if resolved else None,
        permalink,
        (),
        timers.update,
        timers.resolution,
    )
