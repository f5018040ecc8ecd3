"""The shape of a bench workspace: tables, columns, channels and time stamps, shared by its builders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

Row = tuple[object, ...]
DAY = 86400.0
SPAN_DAYS = 730
OFFICERS = 40
SUPERVISORS = 6
# Zipf exponent of the posting rate: 1.0 gives ~20,000 distinct authors per 100,000 items
# from 50,000 contacts (1.07 gave 16,000).
ZIPF_S = 1.0
# Bumped whenever the generated rows change: a cached workspace of another version is rebuilt.
GENERATOR = 2
# (name, kind, share of items, days after the start it was connected)
CHANNELS = (
    ("Force blog", "wordpress", 0.12, 0),
    ("Appeals feed", "feed", 0.06, 0),
    ("Contact inbox", "email", 0.15, 0),
    ("Facebook page", "facebook", 0.30, 0),
    ("X account", "x", 0.20, 0),
    ("Mastodon", "mastodon", 0.09, 180),
    ("Bluesky", "bluesky", 0.08, 450),
)
KINDS = {
    "wordpress": (("comment", 95), ("pingback", 3), ("trackback", 2)),
    "feed": (("feed_entry", 1),),
    "email": (("email", 1),),
    "facebook": (("comment", 80), ("direct_message", 20)),
    "x": (("mention", 70), ("reply", 15), ("direct_message", 15)),
    "mastodon": (("mention", 60), ("reply", 40)),
    "bluesky": (("mention", 60), ("reply", 40)),
}
HOURS = (2, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 10, 11, 10, 9, 9, 9, 10, 11, 12, 12, 10, 7, 4)
TEAMS = ("CID", "Roads policing", "Neighbourhood team", "Professional standards", "Safeguarding")


def stamp(t: float) -> str:
    """A UTC instant as SQLAlchemy stores it on SQLite (always with microseconds)."""
    dt = datetime.fromtimestamp(t, UTC)
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d} {dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}.{dt.microsecond:06d}"


@dataclass
class Workspace:
    """Every table's rows, in the column order of `COLUMNS`."""

    now: float
    surge_start: float
    rows: dict[str, list[Row]] = field(default_factory=dict)


COLUMNS: dict[str, tuple[str, ...]] = {
    "user_account": ("id", "name", "display_name", "role", "collar_number", "active", "created_at"),
    "team": ("id", "name", "description", "created_at"),
    "channel": (
        "id", "name", "kind", "config", "enabled", "poll_seconds", "state", "state_reason",
        "last_success_at", "last_attempt_at", "next_poll_at", "cursor", "created_at",
    ),
    "tag": ("id", "name", "color"),
    "contact": (
        "id", "channel_id", "external_id", "handle", "display_name", "profile_url",
        "person_key", "first_seen_at",
    ),
    "thread": ("id", "channel_id", "external_id", "title", "url", "body_text"),
    "item": (
        "id", "channel_id", "external_id", "thread_id", "parent_external_id", "contact_id",
        "direction", "kind", "body_text", "body_html", "raw", "permalink", "created_at",
        "received_at", "source_updated_at", "source_state", "status", "snoozed_until",
        "priority", "needs_reply", "sentiment", "assignee_id", "first_response_at",
        "first_responder_id", "resolved_at", "version",
    ),
    "item_tag": ("item_id", "tag_id"),
    "reply": (
        "id", "item_id", "author_id", "body", "state", "reviewer_id", "review_reason",
        "submitted_at", "reviewed_at", "sent_at", "external_id", "failure_reason", "attempts",
        "created_at", "updated_at", "version",
    ),
    "escalation": (
        "id", "item_id", "raised_by_id", "to_user_id", "to_team", "reason", "created_at",
        "resolved_at", "resolved_by_id", "resolution",
    ),
    "audit_event": (
        "id", "seq", "at", "actor_id", "action", "subject_type", "subject_id", "before",
        "after", "prev_hash", "hash",
    ),
}  # fmt: skip


@dataclass
class Draft:
    """One item before ids are given out (ids follow arrival order, as an ingest gives them)."""

    created: float
    received: float
    channel: int
    contact: int | None
