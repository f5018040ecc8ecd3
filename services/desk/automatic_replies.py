"""Automatic replies (the out-of-hours acknowledgement) are never a person's act."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from services.store import roles
from services.store.models import Reply, User

SYSTEM_USER = roles.AUTOMATIC_AUTHOR


# The rule, in one place: a reply by the system author acknowledges; it never answers. It is
# no first response (the outbox), no person taking an urgent item (risk_view.untaken_urgent)
# and no first action on one (the weekly report), whatever its state.


def is_automatic(session: Session, author_id: int) -> bool:
    """Whether a reply by this author is the automatic acknowledgement (see the rule above)."""
    return session.scalar(select(User.name).where(User.id == author_id)) == SYSTEM_USER


def by_a_person() -> ColumnElement[bool]:
    """`is_automatic` negated, as SQL on Reply: the replies a person wrote."""
    return Reply.author_id.not_in(select(User.id).where(User.name == SYSTEM_USER))
