"""Who acts: a person's role and what it allows. Every use case checks it before it writes."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from services.errors import PermissionDenied
from services.store.models import Role


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
    active: bool = True

    def can(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"{self.name} is {self.role.value}: only "
                f"{', '.join(r.value for r, g in _GRANTS.items() if permission in g)} "
                f"may {_VERBS[permission]}."
            )
