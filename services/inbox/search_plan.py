"""A search, parsed once and planned once: the value the inbox's reads are handed.

`plan(query)` parses the search text (raising QuerySyntaxError with a readable
message); every read of the same list (its first page, every id, the
membership of a few changed items, a count) builds its WHERE condition from
those terms, never from the text again. The first page on SQLite may probe
along the date index instead of materialising a broad word's matches: that
decision and its knobs live here too (`decide_probe`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from services.inbox.search import (
    SearchContext,
    Term,
    author_ids,
    parse,
    sqlite_words_query,
    tag_ids_named,
    terms_condition,
)
from services.store.models import ItemTag
from services.workspace.settings import DEFAULT_TIMEZONE

DEFAULT_TZ = ZoneInfo(DEFAULT_TIMEZONE)

# Probing pays when matches are dense along the date index: measured at a million items, a word
# in 340,000 items takes 46 ms by probing (180 ms materialised), a phrase in 8,861 takes 1.4 s
# by probing (50 ms materialised). Selective filters (tag, author, assignee) favour materialising.
BROAD_MATCHES = 50_000
# An author filter matching more people than this is checked along the date index (SQLite).
MANY_AUTHORS = 1_000
# Only the newest items are probed for a first page (see inbox.first_page): FIRST_WINDOW,
# then PROBE_WINDOW. Finding the larger window's edge took PostgreSQL 30 ms (without a
# vacuum every row's visibility is checked); most first pages fill in the smaller one.
FIRST_WINDOW = 10_000
PROBE_WINDOW = 50_000
# A tag on more items than this is probed along the date index for a first page.
COMMON_TAG = 5_000


@dataclass(frozen=True)
class Query:
    """What a list shows: a search string, in the context of a user."""

    text: str = ""
    user_id: int | None = None
    tz: ZoneInfo = DEFAULT_TZ


class Probe(enum.Enum):
    NONE = "none"  # materialise the matches (the usual plan)
    WINDOW = "window"  # probe the newest items (probe_windows); fall back if no full page


@dataclass(frozen=True)
class Plan:
    query: Query
    terms: tuple[Term, ...]
    probe: Probe = Probe.NONE
    many_authors: bool = False  # see decide_authors

    @property
    def words(self) -> tuple[Term, ...]:
        """The full-text words and phrases an item must contain."""
        return tuple(t for t in self.terms if t.key is None and not t.negated and not t.ignored)

    def condition(
        self, dialect: str, now: datetime, probing: bool = False, fts_floor: int | None = None
    ) -> ColumnElement[bool]:
        ctx = SearchContext(
            self.query.user_id,
            dialect,
            self.query.tz,
            now,
            fts_probe=probing,
            probe_tags=probing,
            scan_authors=self.many_authors,
            fts_floor=fts_floor,
        )
        return terms_condition(self.terms, ctx)


def probe_windows() -> tuple[int, ...]:
    return tuple(sorted({min(FIRST_WINDOW, PROBE_WINDOW), PROBE_WINDOW}))


def plan(query: Query) -> Plan:
    """Parse once and check every value (dates, statuses, `is:`); raises QuerySyntaxError.

    Touches no database, so a mistake is named the moment the search is made, not by a job.
    """
    made = Plan(query, tuple(parse(query.text)))
    made.condition("sqlite", datetime.now(UTC))  # values are checked as the condition is built
    return made


def as_plan(query: Query | Plan) -> Plan:
    return query if isinstance(query, Plan) else plan(query)


def decide_probe(session: Session, p: Plan) -> Plan:
    """The plan for a first page: probe when its words (SQLite) or a tag match many items."""
    if p.probe is not Probe.NONE:
        return p
    sqlite = session.get_bind().dialect.name == "sqlite"
    if not p.words:
        # An author alone: `from:a` matches 42,000 people at a million items, whose items
        # SQLite gathered and sorted for one page. The newest PROBE_WINDOW items are probed
        # first; a narrow author that does not fill the page there falls back.
        authors = sqlite and any(t.key == "from" and not t.negated for t in p.terms)
        # A common tag likewise, on both databases: `tag:complaint` (62,000 items) was
        # gathered and sorted whole, 130–350 ms on SQLite, 0.4–0.5 s on PostgreSQL; probed,
        # 15–26 ms and ~0.15 s. A rare one is read from its links (a probe of the window
        # would find too few and fall back: 136 ms for a tag on 3 items).
        return replace(p, probe=Probe.WINDOW) if authors or _common_tag(session, p) else p
    if not sqlite:
        # Words and a common tag: `tag:complaint school -status:done` joined the word's matches
        # to the tag's 62,000 links (0.4 s with statistics, 1.4 s without); the newest window
        # probed, the text checked row by row, took a tenth of that.
        return replace(p, probe=Probe.WINDOW) if _common_tag(session, p) else p
    # Counted as the list will ask, excluded words too: `letter -police` is 80,000 items for
    # `letter` but none without `police`, and probing for it walked the whole date index.
    sql = (
        "SELECT count(*) FROM (SELECT rowid FROM item_fts WHERE item_fts MATCH :q "
        f"LIMIT {BROAD_MATCHES + 1})"
    )
    found = int(session.execute(text(sql), {"q": sqlite_words_query(p.terms)}).scalar_one())
    return replace(p, probe=Probe.WINDOW) if found > BROAD_MATCHES else p


def _common_tag(session: Session, p: Plan) -> bool:
    for t in p.terms:
        if t.key == "tag" and not t.negated:
            links = (
                select(ItemTag.item_id)
                .where(ItemTag.tag_id.in_(tag_ids_named(t.value)))
                .limit(COMMON_TAG + 1)
                .subquery()
            )
            if int(session.scalar(select(func.count()).select_from(links)) or 0) > COMMON_TAG:
                return True
    return False


def decide_authors(session: Session, p: Plan) -> Plan:
    """For a whole id list on SQLite: does a `from:` filter match so many people that walking
    the date index beats gathering their items and sorting them (`from:a`: 42,000 people)?"""
    if p.many_authors or session.get_bind().dialect.name != "sqlite":
        return p
    for t in p.terms:
        if t.key == "from" and not t.negated:
            some = author_ids(t.value).limit(MANY_AUTHORS + 1).subquery()
            if int(session.scalar(select(func.count()).select_from(some)) or 0) > MANY_AUTHORS:
                return replace(p, many_authors=True)
    return p
