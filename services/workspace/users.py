"""Users, roles and the acting user: who may do what."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.errors import InvalidInput, NotFound, PermissionDenied
from services.records.audit_actions import AuditAction
from services.store import roles
from services.store.db import SessionFactory
from services.store.models import Role, User
from services.workspace.actor import Actor, Permission
from services.workspace.changes import ChangeKind
from services.workspace.unit_of_work import current_os_login, write_transaction


def _actor(user: User) -> Actor:
    return Actor(user.id, user.name, user.display_name, user.role, user.collar_number, user.active)


def resolve_actor(factory: SessionFactory, name: str) -> Actor:
    """The acting user by login name; on a database without users, `name` becomes its admin.

    On PostgreSQL the acting user is the database login (`session_user`), which the
    server authenticated; `name` only has to agree with it (or be the OS login, the
    default when nobody named anyone). A superuser's session is the exception: it can
    become any role anyway, so it acts by name (set-up scripts, the test harness).
    """
    with factory() as session:
        conn = session.connection()
        if roles.is_postgres(conn) and not roles.is_superuser(conn):
            return _database_login_actor(session, name)
        user = session.scalar(select(User).where(User.name == name))
        if user is not None:
            if not user.active:
                raise PermissionDenied(
                    f"user {name!r} is deactivated: an admin can reactivate it with "
                    f"`front-counter user set {name} --active yes`"
                )
            return _actor(user)
        has_users = session.scalar(select(func.count()).select_from(User))
    if has_users:
        raise NotFound(
            f"unknown user {name!r}: an admin can add it with "
            f"`front-counter user add {name} --role officer`"
        )
    return _create_first_admin(factory, name)


def _database_login_actor(session: Session, name: str) -> Actor:
    conn = session.connection()
    login = roles.session_login(conn)
    if name not in (login, current_os_login()):
        raise PermissionDenied(
            f"you are connected to the database as {login!r}, so you act as {login}; acting as "
            f"{name!r} is refused (on a team database who you are is your database login). "
            f"Drop --user / FRONT_COUNTER_USER, or let {name} connect with their own login."
        )
    if login == roles.schema_owner(conn):
        raise PermissionDenied(
            f"{login!r} owns the schema and only runs `db upgrade` and `db grant`: nobody works "
            "as it. Connect with your own login (postgresql://YOUR.NAME@HOST/DATABASE)."
        )
    user = session.scalar(select(User).where(User.name == login))
    if user is None:
        raise NotFound(
            f"the database login {login!r} is not a Front Counter user: an admin can add it "
            f"with `front-counter user add {login} --role officer`"
        )
    if not user.active:
        raise PermissionDenied(f"user {login!r} is deactivated: ask an admin")
    return _actor(user)


def _create_first_admin(factory: SessionFactory, name: str) -> Actor:
    with write_transaction(factory, None) as tx:
        if tx.session.scalar(select(func.count()).select_from(User)):
            user = tx.session.scalars(select(User).where(User.name == name)).one()
            return _actor(user)
        user = User(name=name, display_name=name, role=Role.ADMIN)
        tx.session.add(user)
        tx.session.flush()
        tx.audit(AuditAction.USER_CREATE, "user", user.id, None, {"name": name, "role": "admin"})
        tx.touched(ChangeKind.USERS)
        return _actor(user)


def add_user(
    factory: SessionFactory,
    actor: Actor,
    name: str,
    role: Role,
    display_name: str | None = None,
    collar_number: str | None = None,
    password: str | None = None,
) -> Actor:
    """A new user; on PostgreSQL also their login role, in their role's group.

    `password` is the login's first password (sent as a SCRAM verifier, never kept);
    without one, the login can only authenticate by peer, GSSAPI or certificate, and
    an existing login (single sign-on) joins the group as it is. A superuser's
    session creates no logins: roles are cluster-wide and set-up is done by hand there.
    """
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
            AuditAction.USER_CREATE,
            "user",
            user.id,
            None,
            {"name": name, "role": role.value, "display_name": user.display_name},
        )
        tx.touched(ChangeKind.USERS)
        if _manages_logins(tx.session):
            roles.create_login(tx.session.connection(), name, role, password)
        return _actor(user)


def _manages_logins(session: Session) -> bool:
    conn = session.connection()
    return roles.is_postgres(conn) and not roles.is_superuser(conn)


def list_users(factory: SessionFactory) -> list[Actor]:
    with factory() as session:
        return [_actor(u) for u in session.scalars(select(User).order_by(User.name))]


def find_user(factory: SessionFactory, name: str) -> Actor:
    with factory() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise NotFound(f"no user named {name!r}")
        return _actor(user)


def _profile(user: User) -> dict[str, object]:
    return {
        "role": user.role.value,
        "display_name": user.display_name,
        "collar_number": user.collar_number,
        "active": user.active,
    }


def _clean_display_name(display_name: str) -> str:
    cleaned = " ".join(display_name.split())
    if not cleaned or len(cleaned) > 200:
        raise InvalidInput("a display name is 1–200 characters")
    return cleaned


def set_user(
    factory: SessionFactory,
    actor: Actor,
    name: str,
    *,
    role: Role | None = None,
    display_name: str | None = None,
    collar_number: str | None = None,
    active: bool | None = None,
) -> Actor:
    """Change a user's role, names or whether they may act; users are never deleted.

    A leaver is deactivated: the audit trail keeps their name, and they can no
    longer act. The last active admin can be neither demoted nor deactivated.
    """
    actor.require(Permission.MANAGE)
    with write_transaction(factory, actor) as tx:
        user = tx.session.scalar(select(User).where(User.name == name))
        if user is None:
            known = ", ".join(tx.session.scalars(select(User.name).order_by(User.name)))
            raise NotFound(f"unknown user {name!r} (users: {known})")
        before = _profile(user)
        if role is not None:
            user.role = role
        if display_name is not None:
            user.display_name = _clean_display_name(display_name)
        if collar_number is not None:
            user.collar_number = collar_number.strip() or None
        if active is not None:
            user.active = active
        tx.session.flush()
        admins = tx.session.scalar(
            select(func.count()).where(User.role == Role.ADMIN, User.active.is_(True))
        )
        if not admins:
            raise InvalidInput(f"{name} is the last active admin: make someone else admin first")
        after = _profile(user)
        if after != before:
            tx.audit(AuditAction.USER_UPDATE, "user", user.id, before, after)
            tx.touched(ChangeKind.USERS)
        moved = (before["role"], before["active"]) != (after["role"], after["active"])
        if moved and _manages_logins(tx.session):
            # Same transaction: the login's group and the user's role cannot disagree.
            roles.set_login(tx.session.connection(), user.name, user.role, user.active)
        return _actor(user)


def set_own_profile(
    factory: SessionFactory, actor: Actor, display_name: str, collar_number: str | None
) -> Actor:
    """The person's own name and collar number, as replies are signed (the first-day dialog)."""
    with write_transaction(factory, actor) as tx:
        user = tx.session.get(User, actor.id)
        if user is None or not user.active:
            raise PermissionDenied(f"user {actor.name!r} cannot act")
        before = _profile(user)
        user.display_name = _clean_display_name(display_name)
        user.collar_number = (collar_number or "").strip() or None
        after = _profile(user)
        if after != before:
            tx.audit(AuditAction.USER_UPDATE, "user", user.id, before, after)
            tx.touched(ChangeKind.USERS)
        return _actor(user)


def needs_profile(actor: Actor) -> bool:
    """A user created from the OS login has only that login as a name: ask for a real one."""
    return actor.display_name == actor.name and not actor.collar_number


def add_first_admin(
    factory: SessionFactory, name: str, password: str | None, display_name: str | None = None
) -> Actor:
    """An admin added by the schema's owner (`db grant --admin`): how a team database starts.

    The owner is nobody's working login, so the event has no actor; the owner can run
    it again later to recover a workspace whose last admin left.
    """
    name = name.strip()
    if not name or len(name) > 63 or any(c.isspace() for c in name):
        raise InvalidInput("a user name is 1–63 characters without spaces")
    with write_transaction(factory, None) as tx:
        conn = tx.session.connection()
        roles.require_owner(conn, "adding the first admin")
        user = tx.session.scalar(select(User).where(User.name == name))
        if user is None:
            user = User(name=name, display_name=display_name or name, role=Role.ADMIN)
            tx.session.add(user)
            tx.session.flush()
            tx.audit(
                AuditAction.USER_CREATE, "user", user.id, None, {"name": name, "role": "admin"}
            )
        elif user.role != Role.ADMIN or not user.active:
            before = _profile(user)
            user.role, user.active = Role.ADMIN, True
            tx.session.flush()
            tx.audit(AuditAction.USER_UPDATE, "user", user.id, before, _profile(user))
        tx.touched(ChangeKind.USERS)
        if roles.is_postgres(conn):
            roles.create_member_login(conn, name, Role.ADMIN.value, password)
        return _actor(user)
