"""What happened to each item over two years: status, tags, assignment, replies, escalations,
and the audit events the desktop and the worker wrote for them."""

from __future__ import annotations

import json
import math
import random

from bench.grow_text import TAGS, body, raw_payload
from bench.rows import (
    CHANNELS,
    DAY,
    KINDS,
    OFFICERS,
    SUPERVISORS,
    TEAMS,
    Draft,
    Row,
    Workspace,
    stamp,
)

THREAD_SIZE = {"wordpress": 40, "feed": 1, "email": 2, "facebook": 30, "x": 5}
SENTIMENTS = ("positive", "neutral", "negative")
_OLD = (("done", 960), ("open", 15), ("pending", 10), ("snoozed", 5), ("new", 10))
_RECENT = (("new", 35), ("open", 25), ("pending", 10), ("done", 27), ("snoozed", 3))
# Tag popularity falls off with rank; "complaint" is the second most used.
_TAG_WEIGHTS = [1 / (r**0.9) for r in range(1, len(TAGS) + 1)]


class _Audit:
    """Audit events gathered in any order; ids and seq follow time, as the chain would."""

    def __init__(self) -> None:
        self.events: list[tuple[float, int | None, str, int, str | None, str]] = []

    def add(
        self, at: float, actor: int | None, action: str, item: int, before: object, after: object
    ) -> None:
        b = None if before is None else json.dumps(before, separators=(",", ":"))
        self.events.append((at, actor, action, item, b, json.dumps(after, separators=(",", ":"))))

    def rows(self) -> list[Row]:
        self.events.sort(key=lambda e: e[0])
        out: list[Row] = []
        for seq, (at, actor, action, item, before, after) in enumerate(self.events, 1):
            h = f"{seq:064x}"  # placeholder: not a valid chain (see bench/grow.py)
            out.append((seq, seq, stamp(at), actor, action, "item", item, before, after, h, h))
        return out


def _officer(rng: random.Random) -> int:
    # A few officers carry most of the work.
    return 2 + min(OFFICERS - 1, int(rng.expovariate(1 / 8)))


def _supervisor(rng: random.Random) -> int:
    return 2 + OFFICERS + rng.randrange(SUPERVISORS)


class _Threads:
    """Each channel's conversations: a new one starts now and then, items join recent ones."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.recent: dict[int, list[int]] = {}

    def pick(self, rng: random.Random, channel: int, kind: str, title: str) -> int:
        recent = self.recent.setdefault(channel, [])
        if not recent or rng.random() < 1 / THREAD_SIZE.get(kind, 4):
            tid = len(self.rows) + 1
            self.rows.append(
                (tid, channel + 1, f"t{tid}", title[:80], f"https://example.org/t/{tid}", None)
            )
            recent.append(tid)
            del recent[:-5]
            return tid
        return recent[-1 - min(len(recent) - 1, int(rng.expovariate(1.5)))]


def add_items(ws: Workspace, rng: random.Random, drafts: list[Draft]) -> None:
    names = {r[0]: str(r[4]) for r in ws.rows["contact"]}
    threads = _Threads()
    audit = _Audit()
    items: list[Row] = []
    tags: list[Row] = []
    replies: list[Row] = []
    escalations: list[Row] = []
    kinds = {k: ([c for c, _ in v], [w for _, w in v]) for k, v in KINDS.items()}
    for n, d in enumerate(drafts, 1):
        channel_kind = CHANNELS[d.channel][1]
        kind = rng.choices(*kinds[channel_kind])[0]
        text = body(rng)
        author = names[d.contact] if d.contact is not None else "Appeals feed"
        ext = f"{kind[:2]}-{n}"
        age = ws.now - d.received
        needs = kind != "feed_entry" and rng.random() < 0.95
        status = "spam" if kind != "feed_entry" and rng.random() < 0.03 else None
        if status is None:
            states = _RECENT if age < 14 * DAY else _OLD
            status = rng.choices([s for s, _ in states], [w for _, w in states])[0]
        snoozed = None
        if status == "snoozed":
            snoozed = ws.now + (rng.uniform(1, 10) * DAY if rng.random() < 0.9 else -3600)
        resolved = None
        if status in ("done", "spam"):
            resolved = min(ws.now - 1, d.received + rng.lognormvariate(math.log(DAY), 1.2))
        assignee = _officer(rng) if status != "new" and rng.random() < 0.6 else None
        # Our first sent reply, if any; some went through review first.
        first, responder = None, None
        if needs and status != "spam" and rng.random() < (0.25 if age > 2 * DAY else 0.12):
            sent = d.created + rng.lognormvariate(math.log(5 * 3600), 1.0)
            if sent < ws.now - 60:
                first, responder = sent, assignee or _officer(rng)
                _sent_reply(rng, audit, replies, n, responder, sent, d.created)
        elif needs and age < 3 * DAY and status in ("new", "open"):
            _reply_in_flight(rng, audit, replies, n, d.received, ws.now)
        for tag_id in _tags(rng):
            tags.append((n, tag_id))
            audit.add(min(ws.now - 1, d.received + rng.uniform(120, 7200)), _officer(rng),
                      "item.tag", n, {"tags": []}, {"tags": [TAGS[tag_id - 1]]})  # fmt: skip
        if assignee is not None and rng.random() < 0.1:
            audit.add(min(ws.now - 1, d.received + rng.uniform(60, 3600)), _supervisor(rng),
                      "item.assign", n, {"assignee": None}, {"assignee": f"officer{assignee - 1}"})  # fmt: skip
        if status != "new" and (resolved is None or rng.random() < 0.3):
            at = resolved if resolved is not None else min(ws.now - 1, d.received + 1800)
            audit.add(at, assignee or _officer(rng), "item.status", n,
                      {"status": "open", "snoozed_until": None},
                      {"status": status, "snoozed_until": None})  # fmt: skip
        if kind != "feed_entry" and rng.random() < 0.015:
            _escalation(rng, audit, escalations, n, d.received, ws.now)
        items.append(
            (n, d.channel + 1, ext, threads.pick(rng, d.channel, channel_kind, text), None,
             d.contact, "inbound", kind, text, f"<p>{text}</p>",
             raw_payload(kind, ext, author, text), f"https://example.org/{channel_kind}/{ext}",
             stamp(d.created), stamp(d.received), None, "published", status,
             stamp(snoozed) if snoozed is not None else None, 1 if rng.random() < 0.02 else 0,
             needs, rng.choice(SENTIMENTS) if rng.random() < 0.7 else None, assignee,
             stamp(first) if first is not None else None, responder,
             stamp(resolved) if resolved is not None else None, 1)
        )  # fmt: skip
    ws.rows["thread"] = threads.rows
    ws.rows["item"] = items
    ws.rows["item_tag"] = tags
    ws.rows["reply"] = replies
    ws.rows["escalation"] = escalations
    ws.rows["audit_event"] = audit.rows()


def _tags(rng: random.Random) -> list[int]:
    roll = rng.random()
    if roll >= 0.5:
        return []
    count = 2 if roll < 0.01 else 1
    return sorted(set(rng.choices(range(1, len(TAGS) + 1), _TAG_WEIGHTS, k=count)))


def _sent_reply(
    rng: random.Random,
    audit: _Audit,
    replies: list[Row],
    item: int,
    author: int,
    sent: float,
    posted: float,
) -> None:
    rid = len(replies) + 1
    text = "Thank you for getting in touch. An officer will look into this."
    submitted = reviewed = reviewer = None
    if rng.random() < 0.3:
        submitted = max(posted + 30, sent - rng.uniform(600, 4 * 3600))
        reviewed, reviewer = sent - rng.uniform(30, 300), _supervisor(rng)
        if rng.random() < 0.08:
            first = submitted - rng.uniform(600, 3600)
            audit.add(first, author, "reply.submit", item, {"state": "draft"},
                      {"state": "in_review", "reply_id": rid, "body": text})  # fmt: skip
            audit.add(first + 300, reviewer, "reply.return", item, {"state": "in_review"},
                      {"state": "returned", "reason": "tone", "reply_id": rid})  # fmt: skip
        audit.add(submitted, author, "reply.submit", item, {"state": "draft"},
                  {"state": "in_review", "reply_id": rid, "body": text})  # fmt: skip
        audit.add(reviewed, reviewer, "reply.approve", item, {"state": "in_review", "body": text},
                  {"state": "approved", "body": text, "reply_id": rid})  # fmt: skip
    audit.add(sent, None, "reply.sent", item, None,
              {"reply_id": rid, "external_id": f"r{rid}", "permalink": None})  # fmt: skip
    created = stamp(submitted - 60 if submitted is not None else sent - 120)
    replies.append(
        (rid, item, author, text, "sent", reviewer, None,
         stamp(submitted) if submitted is not None else None,
         stamp(reviewed) if reviewed is not None else None, stamp(sent), f"r{rid}", None, 1,
         created, stamp(sent), 3)
    )  # fmt: skip


def _reply_in_flight(
    rng: random.Random, audit: _Audit, replies: list[Row], item: int, received: float, now: float
) -> None:
    roll = rng.random()
    if roll >= 0.05:
        return
    state = "in_review" if roll < 0.03 else "returned" if roll < 0.04 else "failed"
    rid = len(replies) + 1
    author = _officer(rng)
    at = min(now - 120, received + rng.uniform(600, 7200))
    text = "We are looking into this and will update you."
    audit.add(at, author, "reply.submit", item, {"state": "draft"},
              {"state": "in_review", "reply_id": rid, "body": text})  # fmt: skip
    reviewer = None
    if state == "returned":
        reviewer = _supervisor(rng)
        audit.add(at + 60, reviewer, "reply.return", item, {"state": "in_review"},
                  {"state": "returned", "reason": "check the facts", "reply_id": rid})  # fmt: skip
    replies.append(
        (rid, item, author, text, state, reviewer, "check the facts" if reviewer else None,
         stamp(at), stamp(at + 60) if reviewer else None, None, None,
         "timeout" if state == "failed" else None, 1 if state == "failed" else 0,
         stamp(at - 60), stamp(at + 60), 2)
    )  # fmt: skip


def _escalation(
    rng: random.Random,
    audit: _Audit,
    escalations: list[Row],
    item: int,
    received: float,
    now: float,
) -> None:
    eid = len(escalations) + 1
    raised = min(now - 60, received + rng.uniform(600, 6 * 3600))
    team = rng.choice(TEAMS)
    resolved = raised + rng.uniform(0.5, 6) * DAY
    done = resolved < now and rng.random() < 0.95
    by = _officer(rng)
    audit.add(raised, by, "item.escalate", item, None, {"to": team, "reason": "needs a specialist"})
    escalations.append(
        (eid, item, by, None, team, "needs a specialist", stamp(raised),
         stamp(resolved) if done else None, _supervisor(rng) if done else None,
         "passed on" if done else None)
    )  # fmt: skip
