"""Undo as a use case: all or nothing, and never over a colleague's later change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.channels.protocol import Registry
from services.errors import ConflictError
from services.inbox import conversation, item_rows, triage
from services.inbox.undo import undo
from services.store.db import SessionFactory
from services.store.models import Status, utcnow
from services.workspace.actor import Actor
from services.workspace.changes import Applied
from tests.builders import add_channel, add_item


@pytest.fixture
def items(factory: SessionFactory) -> list[int]:
    ch = add_channel(factory)
    return [add_item(factory, ch, f"u{i}", f"comment number {i}") for i in range(3)]


def _state(
    factory: SessionFactory, ids: list[int]
) -> dict[int, tuple[str, str | None, tuple[str, ...]]]:
    return {r.id: (r.status, r.assignee, r.tags) for r in item_rows.rows(factory, ids)}


def _token(applied: object) -> Applied:
    assert isinstance(applied, Applied) and applied.undo is not None
    return applied


def test_undo_after_a_colleagues_change_is_refused_with_their_name_and_undoes_nothing(
    factory: SessionFactory, officer: Actor, supervisor: Actor, items: list[int]
) -> None:
    done = _token(triage.set_status(factory, officer, items, Status.DONE))
    # Meanwhile a colleague reopens one of them and takes it on.
    triage.assign(factory, supervisor, [items[1]], "grace")
    before_undo = _state(factory, items)
    assert done.undo is not None
    with pytest.raises(ConflictError, match=r"#\d+ was changed by Sgt Grace Okafor") as refused:
        undo(factory, officer, done.undo)
    assert f"#{items[1]}" in str(refused.value) and "Nothing was undone" in str(refused.value)
    # Not even the two items nobody else touched went back: all or nothing.
    assert _state(factory, items) == before_undo
    assert {s for s, _a, _t in before_undo.values()} == {"done"}


def test_undo_puts_status_assignment_and_tags_back_as_they_were(
    factory: SessionFactory, officer: Actor, items: list[int], registry: Registry
) -> None:
    triage.tag(factory, officer, [items[0]], "urgent")  # already tagged before the bulk tag
    wake = utcnow() + timedelta(hours=3)
    triage.set_status(factory, officer, [items[2]], Status.SNOOZED, wake)
    original = _state(factory, items)

    tagged = _token(triage.tag(factory, officer, items, "urgent"))
    assert tagged.undo is not None and len(tagged.undo.items) == 2  # items[0] was unchanged
    undo(factory, officer, tagged.undo)
    assert _state(factory, items) == original  # items[0] keeps the tag it had before

    assigned = _token(triage.assign(factory, officer, items, "dan"))
    assert assigned.undo is not None
    undo(factory, officer, assigned.undo)
    assert _state(factory, items) == original

    closed = _token(triage.set_status(factory, officer, items, Status.DONE))
    assert closed.undo is not None
    undo(factory, officer, closed.undo)
    assert _state(factory, items) == original
    assert conversation.load(factory, items[2], registry=registry).snoozed_until == wake


def test_undoing_twice_is_refused(
    factory: SessionFactory, officer: Actor, items: list[int]
) -> None:
    done = _token(triage.set_status(factory, officer, items[:1], Status.DONE))
    assert done.undo is not None
    undo(factory, officer, done.undo)
    with pytest.raises(ConflictError, match="was changed by PC Dan Hughes"):
        undo(factory, officer, done.undo)
