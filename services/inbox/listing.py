"""Reading the inbox: filtered id lists and keyset pages, sized for a million items.

The list is ordered urgent first, then newest first by (received_at, id): urgent items lead
every view (issue 11). Each read makes two index-backed passes, urgent items then the rest, so
neither needs a sort. `item_ids` returns every matching id in that order as a compact array
(8 bytes an id) so a view can scroll anywhere; `first_page` serves the first paint with keyset
paging (`page_key`). The display rows themselves are services/inbox/item_rows.py.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session

from services.errors import SearchCancelled
from services.inbox import search_plan
from services.inbox.item_rows import ItemRow, read_rows
from services.inbox.search_plan import Plan, Probe, as_plan
from services.inbox.search_plan import (
    Query as Query,  # a list's search: callers know it as inbox.Query
)
from services.store.db import SessionFactory
from services.store.models import Item, utcnow

PageKey = tuple[int, datetime, int]
"""Where a page ended: (phase, received_at, id); phase 0 holds urgent items, phase 1 the rest."""
URGENT_PHASE, REST_PHASE = 0, 1
PHASES = (URGENT_PHASE, REST_PHASE)


def page_key(row: ItemRow) -> PageKey:
    """The key to pass as `after` to get the page that follows `row`."""
    return (URGENT_PHASE if row.risk == "urgent" else REST_PHASE, row.received_at, row.id)


def _phase(phase: int) -> ColumnElement[bool]:
    # Equality walks ix_item_risk(risk_level, received_at, id) in order; the rest is a filter
    # (coalesce keeps it from being read as an OR of index ranges).
    if phase == URGENT_PHASE:
        return Item.risk_level == literal("urgent")
    return func.coalesce(Item.risk_level, "") != literal("urgent")


Cancelled = Callable[[], bool]
"""Asked between chunks of a long read: True once nobody wants its result any more."""
ID_CHUNK = 10_000


def validate(query_text: str) -> None:
    """Raise QuerySyntaxError if the query cannot be parsed; touches no database."""
    search_plan.plan(Query(query_text))


def _condition(
    session: Session, p: Plan, probing: bool = False, fts_floor: int | None = None
) -> ColumnElement[bool]:
    return p.condition(session.get_bind().dialect.name, utcnow(), probing, fts_floor)


def _ordered_ids(condition: ColumnElement[bool]) -> Select[int]:
    return select(Item.id).where(condition).order_by(Item.received_at.desc(), Item.id.desc())


def item_ids(
    factory: SessionFactory,
    query: Query | Plan,
    cancelled: Cancelled | None = None,
    chunk: int = ID_CHUNK,
) -> array[int]:
    """Every matching id, urgent first then newest first; raises SearchCancelled once asked."""
    p = as_plan(query)
    ids: array[int] = array("q")
    with factory() as session:
        p = search_plan.decide_authors(session, p)
        condition = _condition(session, p)
        # The urgent items, then every match in date order less those: a filter on the risk
        # level would read each row of a million-id list for it (no index holds it beside the date).
        urgent_ids = _stream_ids(session, and_(_phase(URGENT_PHASE), condition), cancelled, chunk)
        ids.extend(urgent_ids)
        urgent = set(urgent_ids)
        for part in _id_chunks(session, condition, cancelled, chunk, len(ids)):
            ids.extend([i for i in part if i not in urgent] if urgent else part)
    return ids


def _stream_ids(
    session: Session, condition: ColumnElement[bool], cancelled: Cancelled | None, chunk: int
) -> list[int]:
    found: list[int] = []
    for part in _id_chunks(session, condition, cancelled, chunk, 0):
        found.extend(part)
    return found


def _id_chunks(
    session: Session,
    condition: ColumnElement[bool],
    cancelled: Cancelled | None,
    chunk: int,
    already: int,
) -> Iterator[list[int]]:
    """Matching ids in list order, a chunk at a time, asking `cancelled` before each."""
    # Straight from the DBAPI cursor: ORM (or even Core) rows cost 5–7 s a million ids.
    result = session.connection().execute(_ordered_ids(condition))
    cursor = result.cursor
    read = already
    try:
        while part := cursor.fetchmany(chunk):
            if cancelled is not None and cancelled():
                raise SearchCancelled(f"search cancelled after {read:,} ids")
            read += len(part)
            yield [r[0] for r in part]
    finally:
        result.close()


def matching(factory: SessionFactory, query: Query | Plan, ids: Sequence[int]) -> set[int]:
    """Which of `ids` the query matches now (to update a list without recomputing it)."""
    if not ids:
        return set()
    p = as_plan(query)
    with factory() as session:
        cond = and_(_condition(session, p), Item.id.in_(list(ids)))
        return set(session.scalars(select(Item.id).where(cond)))


def count(factory: SessionFactory, query: Query | Plan) -> int:
    p = as_plan(query)
    with factory() as session:
        stmt = select(func.count()).select_from(Item).where(_condition(session, p))
        return int(session.scalar(stmt) or 0)


def first_page(
    factory: SessionFactory,
    query: Query | Plan,
    limit: int = 100,
    after: PageKey | None = None,
) -> list[ItemRow]:
    """One page of rows, urgent first then newest first; pass `page_key(last row)` for the next."""
    p = as_plan(query)
    with factory() as session:
        p = search_plan.decide_probe(session, p)
        ids: list[int] = []
        for phase in PHASES:
            if after is not None and phase < after[0]:
                continue
            keyset: ColumnElement[bool] = true()
            if after is not None and phase == after[0]:
                keyset = tuple_(Item.received_at, Item.id) < tuple_(after[1], after[2])
            ids += _phase_page(session, p, phase, limit - len(ids), keyset)
            if len(ids) >= limit:
                break
        return read_rows(session, ids, p.query.tz, p.query.user_id)


def _phase_page(
    session: Session, p: Plan, phase: int, limit: int, keyset: ColumnElement[bool]
) -> list[int]:
    if phase == URGENT_PHASE:
        # Few items are urgent: walk them in order along ix_item_risk and check each.
        cond = and_(_phase(phase), keyset, _condition(session, p, probing=bool(p.terms)))
        return list(session.scalars(_ordered_ids(cond).limit(limit)))
    ids = _probed_first_page(session, p, limit, keyset, _phase(phase))
    if ids is None:
        cond = and_(_condition(session, p), _phase(phase), keyset)
        ids = list(session.scalars(_ordered_ids(cond).limit(limit)))
    return ids


def _probed_first_page(
    session: Session, p: Plan, limit: int, keyset: ColumnElement[bool], phase: ColumnElement[bool]
) -> list[int] | None:
    """A page found by probing along the date index, or None when the usual plan is the better one.

    Materialising a broad word's matches costs ~0.5 µs each (180 ms for 340,000); probing costs
    a few µs per row scanned. Only the newest items are probed, a small window then a larger
    one (search_plan.probe_windows): a full page found there is exact (everything older is
    older than all of it); otherwise the usual plan follows.
    The whole date index is never probed: a word common long ago but rare lately, or an
    excluded word (FTS5 takes 7 ms a row for `"letter" NOT "police"`), walked it for hours.
    """
    if p.probe is Probe.NONE:
        return None
    for size in search_plan.probe_windows():
        ids, whole = _probe_window(session, p, size, limit, keyset, phase)
        if len(ids) == limit or whole:
            return ids
    return None


def _probe_window(
    session: Session,
    p: Plan,
    size: int,
    limit: int,
    keyset: ColumnElement[bool],
    phase: ColumnElement[bool],
) -> tuple[list[int], bool]:
    """The first page among the newest `size` items, and whether they are all there are."""
    # The window's edge counts every item, urgent ones too (reading each row's risk level
    # cost 135 ms); a page found among fewer candidates is as exact.
    newest = (
        select(Item.received_at, Item.id)
        .where(keyset)
        .order_by(Item.received_at.desc(), Item.id.desc())
        .limit(size)
    )
    edge = session.execute(newest.offset(size - 1).limit(1)).first()
    floor = None
    if p.words and session.get_bind().dialect.name == "sqlite":
        # One FTS5 query from the window's least id on, instead of one per row walked: a
        # row-by-row probe of `police -letter` walked thousands of rows (85 ms).
        least = select(func.min(newest.subquery().c.id))
        floor = int(session.scalar(least) or 0) if edge is not None else 0
    cond = and_(_condition(session, p, probing=True, fts_floor=floor), phase, keyset)
    if edge is not None:
        cond = and_(cond, tuple_(Item.received_at, Item.id) >= tuple_(*edge))
    return list(session.scalars(_ordered_ids(cond).limit(limit))), edge is None
