"""The search language, parsed into SQL expressions (never into SQL text).

    complaint "no reply" tag:urgent -status:spam from:alex after:2026-11-01 is:escalated

Free words and "quoted phrases" go to full-text search (FTS5 on SQLite,
tsvector on PostgreSQL); `key:value` terms are filters; a leading `-` negates
any term. Terms are ANDed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.sql.elements import BindParameter

from services.desk import references, response, risk_levels
from services.errors import QuerySyntaxError
from services.inbox import read_marks
from services.inbox.stop_words import is_stop_word
from services.store.models import (
    Channel,
    Contact,
    Direction,
    Item,
    ItemTag,
    Reply,
    ReplyState,
    Status,
    Tag,
    User,
)
from services.store.models_desk import Escalation
from services.store.planner import unindexed

KEYS = ("tag", "channel", "status", "from", "assignee", "is", "before", "after", "risk", "ref")
IS_VALUES = (
    "escalated",
    "unanswered",
    "unassigned",
    "unread",
    "inbox",
    "snoozed",
    "answered",
    "outbound",
    "in-review",
    "returned",
    "failed",
    "risk",
)
RISK_VALUES = ("urgent", "watch", "none")
_TOKEN = re.compile(
    r"""\s*(?P<neg>-)?(?:(?P<key>[A-Za-z]+):(?:"(?P<qvalue>[^"]*)"|(?P<value>[^\s"]*))"""
    r"""|"(?P<phrase>[^"]*)(?P<closed>"?)|(?P<word>[^\s"]+))"""
)


@dataclass(frozen=True)
class Term:
    key: str | None  # None: full-text word or phrase
    value: str
    negated: bool = False
    phrase: bool = False

    @property
    def ignored(self) -> bool:
        """A stop word on its own: ignored by search on both databases (services/inbox/stop_words.py)."""
        return self.key is None and not self.phrase and is_stop_word(self.value)


# Control characters (tab and line breaks aside, which separate terms): PostgreSQL refuses
# a NUL in text outright and SQLite's LIKE stops at it, so `tag:a\x00b` matched everything.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def parse(query: str) -> list[Term]:
    terms: list[Term] = []
    pos = 0
    query = query.strip()
    if bad := _CONTROL.search(query):
        raise QuerySyntaxError(
            f"the search holds an invisible control character (U+{ord(bad.group()):04X}) "
            f"at character {bad.start() + 1}: remove it and search again",
            bad.start(),
        )
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if m is None or m.end() == pos:
            raise QuerySyntaxError(f"cannot read the query at character {pos + 1}", pos)
        negated = bool(m.group("neg"))
        if m.group("key") is not None:
            key = m.group("key").lower()
            value = m.group("qvalue") if m.group("qvalue") is not None else m.group("value")
            if m.group("qvalue") is None and query[m.end() : m.end() + 1] == '"':
                raise QuerySyntaxError('a quoted value is not closed: add the missing "', pos)
            if key not in KEYS:
                raise QuerySyntaxError(
                    f"unknown filter '{key}:' — use one of " + ", ".join(f"{k}:" for k in KEYS),
                    m.start("key"),
                )
            if not value:
                raise QuerySyntaxError(f"'{key}:' needs a value, e.g. {_example(key)}", m.start())
            terms.append(Term(key, value, negated))
        elif m.group("phrase") is not None:
            if not m.group("closed"):
                raise QuerySyntaxError('a quoted phrase is not closed: add the missing "', pos)
            phrase = m.group("phrase").strip()
            if phrase:
                terms.append(Term(None, phrase, negated, phrase=True))
        else:
            word = m.group("word")
            if word == "-":
                raise QuerySyntaxError("'-' must be followed by a word or filter", m.start())
            terms.append(Term(None, word, negated))
        pos = m.end()
    return terms


def _example(key: str) -> str:
    return {
        "tag": "tag:urgent",
        "channel": "channel:blog",
        "status": "status:open",
        "from": "from:alex",
        "assignee": "assignee:me",
        "is": "is:escalated",
        "before": "before:2026-11-20",
        "after": "after:2026-11-01",
        "risk": "risk:urgent",
        "ref": "ref:WS/2026/12345 or ref:crime",
    }[key]


@dataclass(frozen=True)
class SearchContext:
    user_id: int | None
    dialect: str
    tz: ZoneInfo
    now: datetime
    # For a first page of a broad word: probe FTS row by row along the date index instead of
    # materialising every match (30 ms instead of 180 ms for a third of a million items).
    fts_probe: bool = False
    # Also probe tags row by row (only ever used over a bounded window of recent items).
    probe_tags: bool = False
    # Check `from:` authors row by row along the date index (search_plan.decide_authors).
    scan_authors: bool = False
    # SQLite, probing a window of recent items whose least id is this: the words' matches
    # from that id on are read once (FTS5 seeks to it), instead of one FTS query per row.
    fts_floor: int | None = None


def _like(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def tag_ids_named(value: str) -> Select[int]:
    """The tag `tag:value` means (names compare without case)."""
    return select(Tag.id).where(func.lower(Tag.name) == value.lower())


def author_ids(value: str) -> Select[int]:
    """The contacts `from:value` means: a part of their name or handle."""
    pattern = _like(value)
    return select(Contact.id).where(
        or_(
            func.lower(Contact.display_name).like(pattern, escape="\\"),
            func.lower(Contact.handle).like(pattern, escape="\\"),
        )
    )


def _date_bound(value: str, ctx: SearchContext, key: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise QuerySyntaxError(
            f"'{key}:{value}' is not a date: write it as YYYY-MM-DD, e.g. {_example(key)}"
        ) from None
    return datetime.combine(day, time(0), ctx.tz)


def _filter(term: Term, ctx: SearchContext) -> ColumnElement[bool]:
    key, value = term.key, term.value
    low = value.lower()
    if key == "tag":
        tag_ids = tag_ids_named(value)
        if ctx.probe_tags:
            if ctx.dialect == "postgresql":
                # OFFSET 0 keeps PostgreSQL from turning the check into a join over every
                # link of the tag (62,000 for `complaint`, 0.2–0.9 s): it walks the date
                # index and looks each row's link up instead (9 ms).
                return (
                    select(literal(1))
                    .where(ItemTag.item_id == Item.id, ItemTag.tag_id.in_(tag_ids))
                    .offset(0)
                    .exists()
                )
            return exists().where(ItemTag.item_id == Item.id, ItemTag.tag_id.in_(tag_ids))
        return Item.id.in_(select(ItemTag.item_id).where(ItemTag.tag_id.in_(tag_ids)))
    if key == "channel":
        # A channel's exact name means that channel alone ("Blog" is not also "Force blog");
        # then a kind means that kind ("x" is X, not every name holding an x); otherwise a
        # part of a name matches.
        exact = select(Channel.id).where(func.lower(Channel.name) == low)
        kind = select(Channel.id).where(Channel.kind == low)
        of_kind = select(Channel.id).where(Channel.kind == low, ~exists(exact))
        partial = select(Channel.id).where(
            func.lower(Channel.name).like(_like(value), escape="\\"),
            ~exists(exact),
            ~exists(kind),
        )
        return or_(
            Item.channel_id.in_(exact), Item.channel_id.in_(of_kind), Item.channel_id.in_(partial)
        )
    if key == "status":
        try:
            return Item.status == Status(low)
        except ValueError:
            raise QuerySyntaxError(
                f"unknown status '{value}' — use one of " + ", ".join(s.value for s in Status)
            ) from None
    if key == "from":
        # Probing, or with very many authors, their ids are checked row by row along the date
        # index (a short name matches tens of thousands of people) instead of leading to their
        # items, which then had to be sorted: 3–5 s at a million items for `from:a`.
        scan = ctx.probe_tags or ctx.scan_authors
        contact = unindexed(Item.contact_id, ctx.dialect) if scan else Item.contact_id
        return contact.in_(author_ids(value))
    if key == "assignee":
        if low == "me":
            return Item.assignee_id == ctx.user_id if ctx.user_id is not None else false()
        if low in ("none", "nobody"):
            return Item.assignee_id.is_(None)
        return Item.assignee_id.in_(select(User.id).where(func.lower(User.name) == low))
    if key == "before":
        return Item.received_at < _date_bound(value, ctx, key)
    if key == "after":
        return Item.received_at >= _date_bound(value, ctx, key)
    if key == "risk":
        # The level views show (services/desk/risk_store.py: the rules' finding or an override).
        if low == "none":
            return Item.risk_level.is_(None)
        if low in RISK_VALUES:
            # IS NOT NULL keeps `-risk:urgent` true for unflagged items (NOT NULL is not true).
            return and_(Item.risk_level.is_not(None), Item.risk_level == low)
        raise QuerySyntaxError(f"unknown 'risk:{value}' — use one of " + ", ".join(RISK_VALUES))
    if key == "ref":
        # A force reference on the item, its thread or its contact (services/desk/references.py).
        return references.search_condition(value)
    return _is_filter(low, ctx)


# The partial index ix_item_waiting (migration 0012) holds exactly the items that may be in the
# Inbox, in date order, so both databases list and count the Inbox without planner statistics
# (an OR of statuses made SQLite sort 95,000 rows for one page). SQLite uses a partial index only
# where the query repeats its WHERE term, and prefers any index on a compared column; so on
# SQLite the status is compared as `+item.status`, which matches the index's own term and
# leaves the status index (ix_item_inbox) out of the choice.
WAITING_STATUSES = (Status.NEW, Status.OPEN, Status.SNOOZED)


def inbox_condition(now: datetime, dialect: str) -> ColumnElement[bool]:
    """The Inbox: new and open items, and snoozed ones whose time has come."""
    status = unindexed(Item.status, dialect)
    waiting: BindParameter[list[str]] = bindparam(
        "waiting_statuses", [s.value for s in WAITING_STATUSES], expanding=True
    )
    return and_(
        status.in_(waiting.render_literal_execute()),  # ix_item_waiting's WHERE, word for word
        or_(
            status.in_((Status.NEW, Status.OPEN)),
            and_(status == Status.SNOOZED, Item.snoozed_until <= now),
        ),
    )


def _is_filter(value: str, ctx: SearchContext) -> ColumnElement[bool]:
    if value == "escalated":
        return exists().where(Escalation.item_id == Item.id, Escalation.resolved_at.is_(None))
    if value == "unanswered":
        return response.unanswered_condition()
    if value == "answered":
        return response.answered_condition()
    if value == "unassigned":
        return Item.assignee_id.is_(None)
    if value == "unread":
        # Unread is per person; without one (a team-wide count) it is the team's "new".
        if ctx.user_id is None:
            return Item.status == Status.NEW
        return read_marks.unread_condition(ctx.user_id)
    if value == "snoozed":
        return and_(Item.status == Status.SNOOZED, Item.snoozed_until > ctx.now)
    if value == "inbox":
        return inbox_condition(ctx.now, ctx.dialect)
    if value in ("returned", "failed"):
        # My replies that came back (returned by a reviewer, or failed on the platform).
        state = ReplyState.RETURNED if value == "returned" else ReplyState.FAILED
        mine = Reply.author_id == ctx.user_id if ctx.user_id is not None else true()
        return exists().where(Reply.item_id == Item.id, Reply.state == state, mine)
    if value == "in-review":
        return exists().where(Reply.item_id == Item.id, Reply.state == ReplyState.IN_REVIEW)
    if value == "outbound":
        return Item.direction == Direction.OUTBOUND
    if value == "risk":
        return risk_levels.flagged()
    raise QuerySyntaxError(f"unknown 'is:{value}' — use one of " + ", ".join(IS_VALUES))


def fts_match_string(terms: list[Term]) -> str:
    # Every word and phrase becomes an FTS5 string literal: user text is never FTS syntax.
    return " ".join('"' + t.value.replace('"', '""') + '"' for t in terms)


def sqlite_words_query(terms: Sequence[Term]) -> str:
    """The one FTS5 query a search's words become on SQLite: all of its words, none of the
    words it excludes (see terms_condition). Empty when it has no words to look for."""
    terms = [t for t in terms if not t.ignored and t.key is None]
    positive = [t for t in terms if not t.negated]
    return _fts_query(positive, [t for t in terms if t.negated]) if positive else ""


def _fts_query(terms: Sequence[Term], excluded: Sequence[Term]) -> str:
    match = fts_match_string(list(terms))
    for t in excluded:
        match += " NOT " + fts_match_string([t])
    return match


def _text_condition(
    terms: list[Term], ctx: SearchContext, excluded: Sequence[Term] = ()
) -> ColumnElement[bool]:
    """Items holding every one of `terms`; on SQLite also none of `excluded` (one FTS5 query)."""
    if ctx.dialect == "sqlite":
        match = _fts_query(terms, excluded)
        fts: ColumnElement[str] = literal_column("item_fts")
        fts_table = table("item_fts", column("rowid"))
        if ctx.fts_floor is not None:
            # As `+item.id`: the window is walked in date order, each row checked against the
            # list (2 ms); otherwise SQLite fetched every listed row and sorted them (22 ms).
            return unindexed(Item.id, "sqlite").in_(
                select(fts_table.c.rowid).where(
                    fts.op("MATCH")(literal(match)), fts_table.c.rowid >= ctx.fts_floor
                )
            )
        if ctx.fts_probe:
            return (
                select(fts_table.c.rowid)
                .where(fts.op("MATCH")(literal(match)), fts_table.c.rowid == Item.id)
                .exists()
            )
        return Item.id.in_(select(fts_table.c.rowid).where(fts.op("MATCH")(literal(match))))
    conditions = []
    vector: ColumnElement[str] = literal_column("item.search_vector")
    if ctx.fts_probe:
        # Checked row by row along the date index: for a small window PostgreSQL chose to
        # AND the window with every match of the word from the text index (270,000 rows for
        # `school`, 43 ms) over walking the window's newest rows (a few ms).
        vector = literal_column("coalesce(item.search_vector, ''::tsvector)")
    for t in terms:
        fn = func.phraseto_tsquery if t.phrase else func.plainto_tsquery
        conditions.append(vector.op("@@")(fn("english", t.value)))
    return and_(*conditions)


def to_condition(query: str, ctx: SearchContext) -> ColumnElement[bool]:
    """The WHERE condition for `query`; raises QuerySyntaxError with a readable message."""
    return terms_condition(parse(query), ctx)


def terms_condition(terms: Sequence[Term], ctx: SearchContext) -> ColumnElement[bool]:
    """The WHERE condition for terms already parsed (services.inbox.search_plan keeps them)."""
    conditions: list[ColumnElement[bool]] = []
    terms = [t for t in terms if not t.ignored]
    positive_words = [t for t in terms if t.key is None and not t.negated]
    # On SQLite a negated word beside positive ones goes into the same FTS5 query
    # (`"police" NOT "letter"`): otherwise every item holding the negated word (a third of
    # the workspace for `letter`) was listed first, to be subtracted.
    folded = [
        t
        for t in terms
        if ctx.dialect == "sqlite" and positive_words and t.key is None and t.negated
    ]
    for t in terms:
        if t in folded:
            continue
        if t.key is None and t.negated:
            conditions.append(not_(_text_condition([t], ctx)))
        elif t.key is not None:
            cond = _filter(t, ctx)
            conditions.append(not_(cond) if t.negated else cond)
    if positive_words:
        text_condition = _text_condition(positive_words, ctx, folded)
        # SQLite evaluates AND terms in order: when probing, the costly FTS probe goes last,
        # so cheap index checks (tags, status) reject most rows first.
        if ctx.fts_probe:
            conditions.append(text_condition)
        else:
            conditions.insert(0, text_condition)
    return and_(true(), *conditions)
