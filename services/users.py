"""Users, roles and the acting user: who may do what."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import func, select

from services.audit import write_transaction
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.store.db import SessionFactory
from services.store.models import Role, User


class Permission(enum.Enum):
    TRIAGE = "triage"  # tag, assign, status, note, escalate, draft replies
    REVIEW = "review"  # approve or return others' replies
    MANAGE = "manage"  # users, channels, saved replies, policies


# Admins keep triage rights: in a small team the administrator also works the inbox,
# and the first user of a new database (an admin) must be able to try everything.
_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OFFICER: frozenset({Permission.TRIAGE}),
    Role.SUPERVISOR: frozenset({Permission.TRIAGE, Permission.REVIEW}),
    Role.ADMIN: frozenset({Permission.TRIAGE, Permission.REVIEW, Permission.MANAGE}),
}

_VERBS = {
    Permission.TRIAGE: "work the inbox",
    Permission.REVIEW: "review replies",
    Permission.MANAGE: "manage users and channels",
}


@dataclass(frozen=True)
class Actor:
    id: int
    name: str
    display_name: str
    role: Role
    collar_number: str | None = None

    def can(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"{self.name} is {self.role.value}: only "
                f"{', '.join(r.value for r, g in _GRANTS.items() if permission in g)} "
                f"may {_VERBS[permission]}."
            )


def _actor(user: User) -> Actor:
    return Actor(user.id, user.name, user.display_name, user.role, user.collar_number)


def resolve_actor(factory: SessionFactory, name: str) -> Actor:
    """The acting user by login name; on a database without users, `name` becomes its admin."""
    with factory() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is not None:
            if not user.active:
                raise PermissionDenied(f"user {name!r} is deactivated")
            return _actor(user)
        has_users = session.scalar(select(func.count()).select_from(User))
    if has_users:
        raise NotFound(
            f"unknown user {name!r}: an admin can add it with "
            f"`front-counter user add {name} --role officer`"
        )
    return _create_first_admin(factory, name)


def _create_first_admin(factory: SessionFactory, name: str) -> Actor:
    with write_transaction(factory, None) as tx:
        if tx.session.scalar(select(func.count()).select_from(User)):
            user = tx.session.scalars(select(User).where(User.name == name)).one()
            return _actor(user)
        user = User(name=name, display_name=name, role=Role.ADMIN)
        tx.session.add(user)
        tx.session.flush()
        tx.audit("user.create", "user", user.id, None, {"name": name, "role": "admin"})
        tx.touched("users")
        return _actor(user)


def add_user(
    factory: SessionFactory,
    actor: Actor,
    name: str,
    role: Role,
    display_name: str | None = None,
    collar_number: str | None = None,
) -> Actor:
    actor.require(Permission.MANAGE)
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise InvalidInput("a user name is 1–64 characters without spaces")
    with write_transaction(factory, actor) as tx:
        if tx.session.scalar(select(User.id).where(User.name == name)) is not None:
            raise InvalidInput(f"user {name!r} already exists")
        user = User(
            name=name,
            display_name=display_name or name,
            role=role,
            collar_number=collar_number,
        )
        tx.session.add(user)
        tx.session.flush()
        tx.audit(
            "user.create",
            "user",
            user.id,
            None,
            {"name": name, "role": role.value, "display_name": user.display_name},
        )
        tx.touched("users")
        return _actor(user)


def list_users(factory: SessionFactory) -> list[Actor]:
    with factory() as session:
        return [_actor(u) for u in session.scalars(select(User).order_by(User.name))]


def find_user(factory: SessionFactory, name: str) -> Actor:
    with factory() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise NotFound(f"no user named {name!r}")
        return _actor(user)
