"""Items read and written against the versions a person saw, so no one overwrites a colleague.

Every use case that changes items (triage, undo, replies, escalation,
moderation, risk) loads them here: `expected` maps item id → the version the
person saw, and a mismatch raises ConflictError naming who changed the item
and when. Bulk writes go through `write_items`, one versioned executemany per
set of columns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import attributes, defer
from sqlalchemy.orm.attributes import set_committed_value

from services.errors import ConflictError, InvalidInput, NotFound
from services.store.models import Item, User
from services.store.models_audit import AuditEvent
from services.workspace.unit_of_work import Transaction


def load_items(
    tx: Transaction,
    item_ids: Sequence[int],
    expected: Mapping[int, int] | None,
    *,
    slim: bool = False,
) -> list[Item]:
    """The items, checked against the versions the person saw.

    `slim`: leave the bodies and raw payloads unread (triage never needs them; a bulk action
    on 1,000 items otherwise reads megabytes it throws away).
    """
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        raise InvalidInput("no item selected")
    stmt = select(Item).where(Item.id.in_(ids))
    if slim:
        stmt = stmt.options(defer(Item.body_text), defer(Item.body_html), defer(Item.raw))
    items = {i.id: i for i in tx.session.scalars(stmt)}
    missing = [i for i in ids if i not in items]
    if missing:
        raise NotFound(f"no item #{missing[0]}")
    for item_id, version in (expected or {}).items():
        item = items.get(item_id)
        if item is not None and item.version != version:
            raise ConflictError(_conflict_message(tx, item))
    return [items[i] for i in ids]


def changed_by(tx: Transaction, item: Item) -> str:
    """' by <who> at HH:MM' of the item's last recorded change ('' when there is none)."""
    last = tx.session.execute(
        select(AuditEvent.at, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_type == "item", AuditEvent.subject_id == item.id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return f" by {last[1] or 'the sync worker'} at {last[0]:%H:%M}" if last else ""


def _conflict_message(tx: Transaction, item: Item) -> str:
    return (
        f"Item #{item.id} was changed{changed_by(tx, item)} since you opened it. "
        "Nothing was overwritten: look at it again and repeat your action if it still applies."
    )


def write_items(tx: Transaction, updates: Sequence[tuple[Item, dict[str, Any]]]) -> None:
    """Write many items' new values, each row guarded by the version it was read at.

    One executemany UPDATE per set of columns: the ORM writes a versioned row one statement
    at a time (a thousand UPDATEs for a bulk status change). The session's objects then hold
    what was written, version included; a row changed meanwhile raises ConflictError.
    """
    table = cast(Table, Item.__table__)
    groups: dict[tuple[str, ...], list[tuple[Item, dict[str, Any]]]] = defaultdict(list)
    for item, values in updates:
        groups[tuple(sorted(values))].append((item, values))
    for keys, group in groups.items():
        new_values: dict[str, Any] = {
            key: bindparam(f"v_{key}", type_=table.c[key].type) for key in keys
        }
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values({**new_values, "version": bindparam("b_next")})
        )
        params = [
            {
                "b_id": item.id,
                "b_version": item.version,
                "b_next": item.version + 1,
                **{f"v_{key}": value for key, value in values.items()},
            }
            for item, values in group
        ]
        # In a savepoint: when a row was changed meanwhile, ours are undone before asking which.
        savepoint = tx.session.begin_nested()
        written = tx.session.connection().execute(stmt, params).rowcount
        if written != len(params):
            savepoint.rollback()
            raise ConflictError(_conflict_message(tx, _stale(tx, [item for item, _ in group])))
        savepoint.commit()
        for item, values in group:
            for key, value in values.items():
                set_committed_value(item, key, value)
            set_committed_value(item, "version", item.version + 1)


def _stale(tx: Transaction, items: list[Item]) -> Item:
    """The first of `items` whose row no longer has the version it was read at."""
    now = dict(
        tx.session.execute(
            select(Item.id, Item.version).where(Item.id.in_([i.id for i in items]))
        ).all()
    )
    return next(i for i in items if now.get(i.id) != i.version)


def touch_version(item: Item) -> None:
    # Tags live in another table; touching the row still moves its version on.
    attributes.flag_modified(item, "status")
