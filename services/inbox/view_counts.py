"""The views' live counts (Inbox, Mine, Escalated, Snoozed, unread, unanswered), read on demand.

The sidebar shows the same numbers from the maintained counts (services/inbox/item_counts.py);
these are counted from the items themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from services.desk import response
from services.inbox.search import inbox_condition
from services.store.db import SessionFactory
from services.store.models import Item, Status, utcnow
from services.store.models_desk import Escalation


@dataclass(frozen=True)
class ViewCounts:
    inbox: int
    mine: int
    escalated: int
    snoozed: int
    unread: int
    unanswered: int = 0


def view_counts(
    factory: SessionFactory, user_id: int | None, inbox_total: int | None = None
) -> ViewCounts:
    """The views' counts; `inbox_total` when the caller has counted the Inbox already."""
    now = utcnow()
    with factory() as session:
        inbox = inbox_total
        if inbox is None:
            cond = inbox_condition(now, session.get_bind().dialect.name)
            inbox = session.scalar(select(func.count()).where(cond)) or 0
        unread = session.scalar(select(func.count()).where(Item.status == Status.NEW)) or 0
        mine = (
            session.scalar(
                select(func.count()).where(
                    Item.assignee_id == user_id,
                    Item.status.not_in((Status.DONE, Status.SPAM)),
                )
            )
            if user_id is not None
            else 0
        ) or 0
        escalated = (
            session.scalar(
                select(func.count(func.distinct(Escalation.item_id))).where(
                    Escalation.resolved_at.is_(None)
                )
            )
            or 0
        )
        snoozed = (
            session.scalar(
                select(func.count()).where(Item.status == Status.SNOOZED, Item.snoozed_until > now)
            )
            or 0
        )
        # Read through the partial index ix_item_unanswered (its WHERE terms are in the condition).
        unanswered = (
            session.scalar(select(func.count()).where(response.unanswered_condition())) or 0
        )
    return ViewCounts(
        int(inbox), int(mine), int(escalated), int(snoozed), int(unread), int(unanswered)
    )
