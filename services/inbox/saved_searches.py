"""A person's saved searches: named queries listed in their sidebar and by `search list`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from services.errors import InvalidInput, NotFound
from services.inbox import search
from services.records.audit_actions import AuditAction
from services.store.db import SessionFactory
from services.store.models_inbox import SavedSearch
from services.workspace.actor import Actor
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import write_transaction

MAX_NAME_CHARS = 100


@dataclass(frozen=True)
class SavedSearchView:
    name: str
    query: str


def list_searches(factory: SessionFactory, user_id: int) -> list[SavedSearchView]:
    """The person's saved searches in the order they saved them."""
    with factory() as session:
        rows = session.execute(
            select(SavedSearch.name, SavedSearch.query)
            .where(SavedSearch.user_id == user_id)
            .order_by(SavedSearch.id)
        )
        return [SavedSearchView(name, query) for name, query in rows]


def save(factory: SessionFactory, actor: Actor, name: str, query: str) -> SavedSearchView:
    """Save (or replace) the search called `name`; a query that does not parse is refused."""
    name = " ".join(name.split())
    query = query.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"a saved search needs a name of 1–{MAX_NAME_CHARS} characters")
    search.parse(query)  # raises QuerySyntaxError naming the problem
    with write_transaction(factory, actor) as tx:
        old = tx.session.scalar(
            select(SavedSearch).where(SavedSearch.user_id == actor.id, SavedSearch.name == name)
        )
        before = {"name": name, "query": old.query} if old is not None else None
        if old is None:
            tx.session.add(SavedSearch(user_id=actor.id, name=name, query=query, created_at=tx.now))
        else:
            old.query = query
        tx.session.flush()
        tx.audit(AuditAction.SEARCH_SAVE, "user", actor.id, before, {"name": name, "query": query})
        tx.touched(ChangeKind.SAVED_SEARCHES)
    return SavedSearchView(name, query)


def remove(factory: SessionFactory, actor: Actor, name: str) -> None:
    with write_transaction(factory, actor) as tx:
        gone = tx.session.execute(
            delete(SavedSearch).where(SavedSearch.user_id == actor.id, SavedSearch.name == name)
        )
        if not gone.rowcount:  # type: ignore[attr-defined]  # CursorResult
            mine = select(SavedSearch.name).where(SavedSearch.user_id == actor.id)
            known = ", ".join(tx.session.scalars(mine)) or "none"
            raise NotFound(f"no saved search named {name!r} (yours: {known})")
        tx.audit(AuditAction.SEARCH_REMOVE, "user", actor.id, {"name": name}, None)
        tx.touched(ChangeKind.SAVED_SEARCHES)
