"""Items read and written against the versions a person saw, so no one overwrites a colleague.

Every use case that changes items (triage, undo, replies, escalation,
moderation, risk) loads them here: `expected` maps item id → the version the
person saw, and a mismatch raises ConflictError naming who changed the item
and when. Bulk triage reads plain rows (`load_states`) rather than ORM objects; bulk
writes go through `write_versions`: one version-checked UPDATE per set of values.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Table, select, update
from sqlalchemy.orm import QueryableAttribute, defer
from sqlalchemy.orm.attributes import set_committed_value

from services.errors import ConflictError, InvalidInput, NotFound
from services.store.id_lists import among
from services.store.models import Item, Status, User
from services.store.models_audit import AuditEvent
from services.workspace.unit_of_work import Transaction


class ItemState(NamedTuple):
    """What triage reads of an item: its version and the columns its decisions look at."""

    id: int
    version: int
    status: Status
    snoozed_until: datetime | None
    resolved_at: datetime | None
    assignee_id: int | None
    risk_level: str | None


_STATE_COLUMNS = (
    Item.id,
    Item.version,
    Item.status,
    Item.snoozed_until,
    Item.resolved_at,
    Item.assignee_id,
    Item.risk_level,
)


def among_ids(
    tx: Transaction, col: ColumnElement[Any] | QueryableAttribute[Any], ids: Sequence[int]
) -> ColumnElement[bool]:
    """`col IN ids` as one bound value (services/store/id_lists.py), not 1,000 named ones."""
    return among(col, ids, tx.session.get_bind().dialect.name)


def _selected(item_ids: Sequence[int]) -> list[int]:
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        raise InvalidInput("no item selected")
    return ids


def _checked(
    tx: Transaction,
    ids: list[int],
    versions: Mapping[int, int],
    expected: Mapping[int, int] | None,
) -> None:
    missing = next((i for i in ids if i not in versions), None)
    if missing is not None:
        raise NotFound(f"no item #{missing}")
    for item_id, version in (expected or {}).items():
        if item_id in versions and versions[item_id] != version:
            raise ConflictError(_conflict_message(tx, item_id))


def load_items(
    tx: Transaction,
    item_ids: Sequence[int],
    expected: Mapping[int, int] | None,
    *,
    slim: bool = False,
) -> list[Item]:
    """The items, checked against the versions the person saw.

    `slim`: leave the bodies and raw payloads unread (a bulk action on 1,000 items
    otherwise reads megabytes it throws away).
    """
    ids = _selected(item_ids)
    stmt = select(Item).where(Item.id.in_(ids))
    if slim:
        stmt = stmt.options(defer(Item.body_text), defer(Item.body_html), defer(Item.raw))
    items = {i.id: i for i in tx.session.scalars(stmt)}
    _checked(tx, ids, {i: item.version for i, item in items.items()}, expected)
    return [items[i] for i in ids]


def load_states(
    tx: Transaction, item_ids: Sequence[int], expected: Mapping[int, int] | None
) -> list[ItemState]:
    """`load_items` for bulk triage: the few columns it decides on, as plain rows.

    No ORM objects: building, tracking and expiring a thousand of them cost more than
    the statements. Write them back with `write_versions`.
    """
    ids = _selected(item_ids)
    stmt = select(*_STATE_COLUMNS).where(among_ids(tx, Item.id, ids))
    found = {row[0]: ItemState._make(row) for row in tx.session.execute(stmt).all()}
    _checked(tx, ids, {i: state.version for i, state in found.items()}, expected)
    return [found[i] for i in ids]


def load_versions(
    tx: Transaction, item_ids: Sequence[int], expected: Mapping[int, int] | None
) -> dict[int, int]:
    """Item id → version, in the order given, checked as `load_items` checks (tag, untag)."""
    ids = _selected(item_ids)
    stmt = select(Item.id, Item.version).where(among_ids(tx, Item.id, ids))
    found: dict[int, int] = dict(tx.session.execute(stmt).all())
    _checked(tx, ids, found, expected)
    return {i: found[i] for i in ids}


def changed_by(tx: Transaction, item: Item | int) -> str:
    """' by <who> at HH:MM' of the item's last recorded change ('' when there is none)."""
    item_id = item if isinstance(item, int) else item.id
    last = tx.session.execute(
        select(AuditEvent.at, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_type == "item", AuditEvent.subject_id == item_id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return f" by {last[1] or 'the sync worker'} at {last[0]:%H:%M}" if last else ""


def _conflict_message(tx: Transaction, item_id: int) -> str:
    return (
        f"Item #{item_id} was changed{changed_by(tx, item_id)} since you opened it. "
        "Nothing was overwritten: look at it again and repeat your action if it still applies."
    )


def write_versions(
    tx: Transaction, updates: Sequence[tuple[int, int, Mapping[str, Any]]]
) -> dict[int, int]:
    """Write (item id, version read, new values) rows; return each item's new version.

    Items given the same values go in one UPDATE … WHERE id IN (…) RETURNING id, version
    (a bulk status change is one statement, not a thousand). Each row is still guarded by
    the version it was read at: the row must come back one version on, else one was
    changed meanwhile, ours are undone (a savepoint) and ConflictError names it.
    """
    table = cast(Table, Item.__table__)
    groups: dict[Hashable, tuple[Mapping[str, Any], list[int]]] = {}
    read: dict[int, int] = {}
    keys: dict[int, Hashable] = {}  # id(values) → its group: callers share one dict for many
    for item_id, version, values in updates:
        read[item_id] = version
        key = keys.get(id(values))
        if key is None:
            key = keys[id(values)] = _group_key(item_id, values)
        groups.setdefault(key, (values, []))[1].append(item_id)
    if not read:
        return {}
    written: dict[int, int] = {}
    # In a savepoint: when a row was changed meanwhile, ours are undone before asking which.
    savepoint = tx.session.begin_nested()
    conn = tx.session.connection()
    for values, ids in groups.values():
        stmt = (
            update(table)
            .where(among_ids(tx, table.c.id, ids))
            .values({**values, "version": table.c.version + 1})
            .returning(table.c.id, table.c.version)
        )
        written.update(conn.execute(stmt).all())
    stale = next((i for i, v in read.items() if written.get(i) != v + 1), None)
    if stale is not None:
        savepoint.rollback()
        raise ConflictError(_conflict_message(tx, stale))
    savepoint.commit()
    return written


def _group_key(item_id: int, values: Mapping[str, Any]) -> Hashable:
    key = tuple(sorted(values.items()))
    try:
        hash(key)
    except TypeError:  # a JSON value: this item's own statement
        return ("item", item_id)
    return key


def write_items(tx: Transaction, updates: Sequence[tuple[Item, dict[str, Any]]]) -> None:
    """`write_versions` for loaded items: the session's objects then hold what was written."""
    versions = write_versions(tx, [(item.id, item.version, values) for item, values in updates])
    for item, values in updates:
        for key, value in values.items():
            set_committed_value(item, key, value)
        set_committed_value(item, "version", versions[item.id])
