"""The cross-process change feed: what other desktops and the sync worker changed."""

from __future__ import annotations

from sqlalchemy import func, select

from services.changes import ChangeKind, Changes
from services.store.db import SessionFactory, check_database_file, origin_of
from services.store.models import Change

MAX_ROWS = 1000
_KNOWN = frozenset(k.value for k in ChangeKind)


def latest_id(factory: SessionFactory) -> int:
    with factory() as s:
        check_database_file(s.connection())
        return int(s.scalar(select(func.max(Change.id))) or 0)


def since(factory: SessionFactory, last_id: int) -> tuple[int, Changes]:
    """Changes others recorded after `last_id`, merged, and the id to ask from next time.

    Rows this factory wrote itself are passed over: the desktop applied them
    the moment it made them, and reloading again a second later is double work.
    """
    own = origin_of(factory)
    with factory() as s:
        check_database_file(s.connection())
        rows = s.execute(
            select(Change.id, Change.kinds, Change.item_ids, Change.origin)
            .where(Change.id > last_id)
            .order_by(Change.id)
            .limit(MAX_ROWS)
        ).all()
    kinds: set[ChangeKind] = set()
    items: set[int] = set()
    for _id, row_kinds, item_ids, origin in rows:
        if origin == own:
            continue
        # A kind this release does not know (written by a newer one) refreshes nothing here.
        kinds.update(ChangeKind(k) for k in row_kinds.split(",") if k in _KNOWN)
        items.update(item_ids or ())
    new_last = rows[-1][0] if rows else last_id
    return new_last, Changes(frozenset(kinds), frozenset(items))
