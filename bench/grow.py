"""A workspace grown the way a real one grows, as rows ready for bulk insert.

Two years of items, busier as the force's accounts grow, with a daily rhythm and one
surge week (a tenth of all items: an incident that went viral) as the last full week.
Contacts post at a Zipf-like rate, so a few people write a lot and most write once or
twice. Two channels were connected late and brought a fortnight of history with them
(that history arrives at the connection time). Old items are mostly done; the Inbox
holds the recent ones and a thin backlog. Tags on about half the items, sent replies
(some through review), escalations, and about 1.27 audit events per item over the two
years, as the desktop and the worker would have written them.

The audit events are NOT a valid hash chain (`audit verify` fails on a bench workspace):
the hashes are placeholders, which no measured path reads.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
from datetime import datetime, timedelta

from bench.grow_text import TAGS, person_name
from bench.history import add_items
from bench.rows import (
    CHANNELS,
    DAY,
    HOURS,
    OFFICERS,
    SPAN_DAYS,
    SUPERVISORS,
    TEAMS,
    ZIPF_S,
    Draft,
    Row,
    Workspace,
    stamp,
)


def _posted_times(rng: random.Random, n: int, start: float, end: float) -> list[float]:
    """Density growing linearly (half as busy at the start as at the end), with a daily rhythm."""
    a = 0.5
    out = []
    hours = list(range(24))
    for _ in range(n):
        x = -a + math.sqrt(a * a + 2 * rng.random() * (a + 0.5))
        day = math.floor((start + x * (end - start)) / DAY) * DAY
        hour = rng.choices(hours, HOURS)[0]
        out.append(day + hour * 3600 + rng.random() * 3600)
    return [min(t, end - 1) for t in out]


def _surge_times(rng: random.Random, n: int, start: float) -> list[float]:
    days = rng.choices(range(7), (1, 4, 2.5, 1.5, 1, 0.8, 0.7), k=n)
    hours = rng.choices(range(24), HOURS, k=n)
    return [
        start + d * DAY + h * 3600 + rng.random() * 3600 for d, h in zip(days, hours, strict=True)
    ]


def plan(items: int, seed: int, now: datetime) -> Workspace:
    rng = random.Random(seed)
    end = now.timestamp()
    # The surge is the last full ISO week (UTC Monday) before `now`: the week the report reads.
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    surge = (monday - timedelta(days=7)).timestamp()
    start = end - SPAN_DAYS * DAY
    ws = Workspace(end, surge)
    scale = items / 1_000_000
    n_contacts = max(500, round(50_000 * scale))
    connected = [start + c[3] * DAY for c in CHANNELS]

    # Contacts: each on one channel (never the feed), heavy posters scattered over the ids.
    posting = [c for c in range(len(CHANNELS)) if CHANNELS[c][1] != "feed"]
    home = rng.choices(posting, [CHANNELS[c][2] for c in posting], k=n_contacts)
    by_rank = list(range(1, n_contacts + 1))
    rng.shuffle(by_rank)
    cum = list(itertools.accumulate(1 / (r**ZIPF_S) for r in range(1, n_contacts + 1)))

    def contact_at(t: float) -> int:
        while True:
            cid = by_rank[bisect.bisect(cum, rng.random() * cum[-1])]
            # A channel connected late only brings a fortnight of history.
            if t >= connected[home[cid - 1]] - 14 * DAY:
                return cid

    surge_n = items // 10
    times = _posted_times(rng, items - surge_n, start, end) + _surge_times(rng, surge_n, surge)
    drafts = []
    feed = next(i for i, c in enumerate(CHANNELS) if c[1] == "feed")
    for t in times:
        t = min(t, end - 60)
        if rng.random() < CHANNELS[feed][2]:
            channel, contact = feed, None
        else:
            contact = contact_at(t)
            channel = home[contact - 1]
        if t < connected[channel]:
            received = connected[channel] + rng.random() * 600
        else:
            received = t + 60 + rng.lognormvariate(math.log(180), 0.8)
        drafts.append(Draft(t, min(received, end - 1), channel, contact))
    drafts.sort(key=lambda d: (d.received, d.created))
    _fixed(ws, rng, start, connected)
    _contacts(ws, rng, drafts, n_contacts, home)
    add_items(ws, rng, drafts)
    return ws


def _fixed(ws: Workspace, rng: random.Random, start: float, connected: list[float]) -> None:
    at = stamp(start - 30 * DAY)
    users: list[Row] = [(1, "bench", "Bench Admin", "admin", None, True, at)]
    for n in range(OFFICERS):
        users.append((2 + n, f"officer{n + 1}", f"PC {n + 1}", "officer", f"{4000 + n}", True, at))
    for n in range(SUPERVISORS):
        uid = 2 + OFFICERS + n
        users.append((uid, f"sergeant{n + 1}", f"Sgt {n + 1}", "supervisor", None, True, at))
    ws.rows["user_account"] = users
    ws.rows["team"] = [(i, name, None, at) for i, name in enumerate(TEAMS, 1)]
    ws.rows["channel"] = [
        (i, name, kind, json.dumps({"url": f"https://example.org/{kind}"}), False, 300, "ok",
         None, stamp(ws.now - 600), stamp(ws.now - 600), None, "{}", stamp(connected[i - 1]))
        for i, (name, kind, _share, _days) in enumerate(CHANNELS, 1)
    ]  # fmt: skip
    ws.rows["tag"] = [(i, name, None) for i, name in enumerate(TAGS, 1)]


def _contacts(
    ws: Workspace, rng: random.Random, drafts: list[Draft], n: int, home: list[int]
) -> None:
    first: dict[int, float] = {}
    for d in drafts:
        if d.contact is not None and d.contact not in first:
            first[d.contact] = d.received
    rows: list[Row] = []
    for cid in range(1, n + 1):
        name, handle = person_name(rng)
        seen = first.get(cid, ws.now - rng.random() * SPAN_DAYS * DAY)
        rows.append((cid, home[cid - 1] + 1, f"u{cid}", handle, name, None, handle, stamp(seen)))
    ws.rows["contact"] = rows
