"""The review policy, as data: who may send without review, and which items always need it.

Default: officers' replies need a supervisor's approval; supervisors and
admins may send their own directly; items tagged `sensitive` (or escalated)
always need review; nobody approves their own reply (that rule is fixed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from services.errors import InvalidInput
from services.records.audit_actions import AuditAction
from services.store import roles
from services.store.db import SessionFactory
from services.store.models import ItemTag, Role, Tag
from services.store.models_desk import Escalation
from services.workspace import settings as workspace_settings
from services.workspace.actor import Actor, Permission
from services.workspace.unit_of_work import write_transaction

KEY = workspace_settings.REVIEW_POLICY.key


@dataclass(frozen=True)
class ReviewPolicy:
    direct_roles: tuple[str, ...] = ("supervisor", "admin")
    always_review_tags: tuple[str, ...] = ("sensitive",)
    review_escalated: bool = True
    notes: str = field(default="", compare=False)

    def review_reason(self, role: Role, tags: set[str], escalated: bool) -> str | None:
        """Why a reply by this role on such an item is held for review; None: it goes out."""
        if role.value not in self.direct_roles:
            return f"replies by {role.value}s are approved by a supervisor first"
        held_tags = sorted(tags.intersection(self.always_review_tags))
        if held_tags:
            return "item is tagged " + ", ".join(held_tags)
        if self.review_escalated and escalated:
            return "item is escalated"
        return None


def load(session: Session) -> ReviewPolicy:
    v = workspace_settings.value(session, workspace_settings.REVIEW_POLICY) or {}
    return ReviewPolicy(
        tuple(v.get("direct_roles", ())),
        tuple(v.get("always_review_tags", ())),
        bool(v.get("review_escalated", True)),
    )


def current(factory: SessionFactory) -> ReviewPolicy:
    with factory() as s:
        return load(s)


def set_policy(factory: SessionFactory, actor: Actor, policy: ReviewPolicy) -> ReviewPolicy:
    actor.require(Permission.MANAGE)
    unknown = set(policy.direct_roles) - {r.value for r in Role}
    if unknown:
        raise InvalidInput(f"unknown role(s): {', '.join(sorted(unknown))}")
    with write_transaction(factory, actor) as tx:
        value = {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in asdict(policy).items()
            if k != "notes"
        }
        workspace_settings.put(tx, KEY, value, AuditAction.POLICY_REVIEW)
    return policy


def item_review_reason(
    session: Session, policy: ReviewPolicy, role: Role, item_id: int
) -> str | None:
    tags = set(
        session.scalars(
            select(Tag.name)
            .join(ItemTag, ItemTag.tag_id == Tag.id)
            .where(ItemTag.item_id == item_id)
        )
    )
    escalated = bool(
        session.scalar(
            select(exists().where(Escalation.item_id == item_id, Escalation.resolved_at.is_(None)))
        )
    )
    return policy.review_reason(role, tags, escalated)


def enforcement(factory: SessionFactory) -> str:
    """Who enforces four eyes on this database: the database itself, or only the app."""
    with factory() as s:
        conn = s.connection()
        if not roles.is_postgres(conn):
            return (
                "four eyes are enforced only on PostgreSQL: on this SQLite file whoever runs "
                "the app can claim any user name (--user, FRONT_COUNTER_USER); every audit "
                "event records the OS login beside the acting user, so it shows"
            )
        login = roles.session_login(conn)
        if roles.is_superuser(conn):
            return (
                f"connected as the superuser {login!r}: the database checks nothing for this "
                "connection; people connect with their own logins"
            )
    return (
        f"enforced by the database: you act as your login {login!r}, and only supervisors "
        "and admins can release a reply, even with raw SQL"
    )
