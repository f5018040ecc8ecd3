"""PostgreSQL roles for a team: who a connection is, and what the database lets each role do.

A person works as their own login role, a member of one group role per
Front Counter role (`fc_officer`, `fc_supervisor`, `fc_admin`); the sync
worker's login is a member of `fc_worker`. The schema belongs to the role that
runs `db upgrade` (the owner), which nobody works as. Group names carry a prefix,
`fc` unless the database says otherwise (`ALTER DATABASE … SET
front_counter.role_prefix = 'x'`): roles are cluster-wide, and two workspaces on
one server must not share groups, or an officer of one would be an officer of both.

How the rules are enforced, and why this way:
- Table privileges do the coarse part: only admins write users, channels,
  teams, saved replies and risk rules; the audit table is INSERT-only for every
  group (no UPDATE, DELETE or TRUNCATE); nobody but the owner alters the schema.
- Row-dependent rules are BEFORE triggers that raise SQLSTATE 42501 (permission
  denied): who may release a reply (approved, sending, sent), which settings an
  admin alone may change, that a person edits only their own profile, that an
  audit event follows the chain's head and names the connected person. Row-level
  security was the other candidate; it filters silently (an officer's UPDATE of the
  review policy would hit 0 rows and "succeed"), where a trigger refuses out loud.
- The app keeps computing the hash chain (one code path on both databases); the
  database guarantees it can only grow at its head. Triggers belong to the owner:
  a client can neither drop nor disable them (that takes ownership or superuser).
- Logins are created and changed only through two SECURITY DEFINER functions,
  owned by the owner (which has CREATEROLE), callable by admins, limited to our
  groups: an admin never holds CREATEROLE, which on PostgreSQL 15 would let them
  make themselves the owner.
- A superuser is out of scope by nature (it can drop any trigger): the checks
  let it through, which keeps set-up scripts and the test harness working.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from services.errors import InvalidInput, PermissionDenied
from services.store.models import Role
from services.store.role_guards import guard_statements

PREFIX_SETTING = "front_counter.role_prefix"
DEFAULT_PREFIX = "fc"
WORKER = "worker"
# The system user that writes automatic replies (the out-of-hours acknowledgement).
AUTOMATIC_AUTHOR = "out-of-hours"
GROUPS = (Role.OFFICER.value, Role.SUPERVISOR.value, Role.ADMIN.value, WORKER)
# Settings the worker and every desktop keep for themselves; every other key is an admin's.
BOOKKEEPING_SETTINGS = ("report_last_week", "risk_swept")
# Tables only admins write (others read); `setting` is guarded per key by a trigger instead.
ADMIN_TABLES = ("user_account", "channel", "team", "saved_reply", "risk_rule_set")
# Records: a legal hold is a supervisor's decision; what retention leaves behind (tombstones)
# and the payloads as received are written once and removed only by retention.
RECORD_TABLES = ("legal_hold", "tombstone", "raw_payload")
_NOT_WORK = {
    "alembic_version", "audit_event", "audit_head", "setting", *ADMIN_TABLES, *RECORD_TABLES
}  # fmt: skip
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def prefix(conn: Connection) -> str:
    found = conn.scalar(text("SELECT current_setting(:s, true)"), {"s": PREFIX_SETTING})
    value = str(found or DEFAULT_PREFIX)
    if not _PREFIX_RE.match(value):
        raise InvalidInput(f"{PREFIX_SETTING} {value!r} is not a role-name prefix (a-z, 0-9, _)")
    return value


def group_names(conn: Connection) -> dict[str, str]:
    p = prefix(conn)
    return {g: f"{p}_{g}" for g in GROUPS}


def session_login(conn: Connection) -> str:
    """The login this connection authenticated as (SET ROLE does not change it)."""
    return str(conn.scalar(text("SELECT session_user")))


def is_superuser(conn: Connection) -> bool:
    return bool(conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")))


def schema_owner(conn: Connection) -> str | None:
    """Who owns the schema's tables (the role that ran the first `db upgrade`); None if empty."""
    found = conn.scalar(
        text(
            "SELECT tableowner FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = 'alembic_version'"
        )
    )
    return None if found is None else str(found)


def require_owner(conn: Connection, doing: str) -> None:
    """Refuse schema work by anyone but the owner (or a superuser); SQLite has no owner."""
    if not is_postgres(conn):
        return
    owner = schema_owner(conn)
    me = session_login(conn)
    if owner is None or owner == me or is_superuser(conn):
        return
    raise PermissionDenied(
        f"{doing} runs as the schema's owner {owner!r}, and you are connected as {me!r}: "
        f"connect as {owner} (e.g. --db postgresql://{owner}@HOST/DATABASE)"
    )


def install(conn: Connection) -> None:
    """Create the group roles, the guard triggers and functions, and grant each group its part.

    Idempotent: `db grant` runs it again after a restore or when a release adds tables.
    """
    if not is_postgres(conn):
        return
    g = group_names(conn)
    for name in g.values():
        _create_group(conn, name)
    guards = guard_statements(
        g, worker=g[WORKER], bookkeeping=BOOKKEEPING_SETTINGS, automatic_author=AUTOMATIC_AUTHOR
    )
    for stmt in guards:
        _run(conn, stmt)
    _grant(conn, g)


def _create_group(conn: Connection, name: str) -> None:
    # Two databases upgraded at once may race for the same cluster-wide name: either wins.
    _run(
        conn,
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN "
        f'CREATE ROLE "{name}" NOLOGIN; END IF; '
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
    )


def _grant(conn: Connection, g: dict[str, str]) -> None:
    everyone = ", ".join(f'"{n}"' for n in g.values())
    people = ", ".join(f'"{g[r]}"' for r in (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN))
    workers = f'{people}, "{g[WORKER]}"'
    admin, worker = f'"{g[Role.ADMIN]}"', f'"{g[WORKER]}"'
    database = conn.scalar(text("SELECT current_database()"))
    tables = list(
        conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
    )
    stmts = [
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f'GRANT CONNECT ON DATABASE "{database}" TO {everyone}',
        f"GRANT USAGE ON SCHEMA public TO {everyone}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {everyone}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {everyone}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {everyone}",
        f"GRANT INSERT ON audit_event TO {everyone}",
        f"GRANT UPDATE ON audit_head TO {everyone}",
        f"GRANT INSERT, UPDATE ON setting TO {everyone}",
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(ADMIN_TABLES)}, setting TO {admin}",
        f"GRANT UPDATE (display_name, collar_number) ON user_account TO {people}",
        f"GRANT UPDATE ON channel TO {worker}",
        f'GRANT INSERT, UPDATE, DELETE ON legal_hold TO "{g[Role.SUPERVISOR]}", {admin}',
        f"GRANT INSERT ON tombstone TO {worker}, {admin}",
        f"GRANT INSERT ON raw_payload TO {workers}",
        f"GRANT DELETE ON raw_payload TO {worker}, {admin}",
    ]
    work = sorted(t for t in tables if t not in _NOT_WORK)
    if work:
        stmts.append(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(work)} TO {workers}")
    for stmt in stmts:
        _run(conn, stmt)


def _run(conn: Connection, statement: str) -> None:
    # Straight to the driver without parameters: the SQL holds % (format(), RAISE) as it is.
    raw = conn.connection.driver_connection
    raw.execute(statement)  # type: ignore[union-attr]  # a psycopg 3 connection


def uninstall(conn: Connection) -> None:
    """Drop the guards and login functions (downgrade); roles and grants are left to the DBA."""
    if not is_postgres(conn):
        return
    for table, function in (
        ("reply", "fc_reply_guard"),
        ("setting", "fc_setting_guard"),
        ("user_account", "fc_user_guard"),
        ("audit_event", "fc_audit_guard"),
        ("audit_head", "fc_audit_head_guard"),
    ):
        _run(conn, f"DROP TRIGGER IF EXISTS {function} ON {table}")
        _run(conn, f"DROP FUNCTION IF EXISTS {function}()")
    _run(conn, "DROP FUNCTION IF EXISTS fc_create_login(text, text, text)")
    _run(conn, "DROP FUNCTION IF EXISTS fc_set_login(text, text, boolean)")
    for f in ("fc_is(text)", "fc_exempt()", "fc_user_id()"):
        _run(conn, f"DROP FUNCTION IF EXISTS {f}")


def password_verifier(conn: Connection, name: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier, computed here: the password itself never reaches the server."""
    raw = conn.connection.driver_connection
    pgconn = raw.pgconn  # type: ignore[union-attr]  # a psycopg 3 connection
    verifier: bytes = pgconn.encrypt_password(
        password.encode("utf-8"), name.encode("utf-8"), b"scram-sha-256"
    )
    return verifier.decode("ascii")


def create_login(conn: Connection, name: str, role: Role, password: str | None) -> None:
    """The person's login role in their group; an existing login (SSO) just joins the group."""
    if len(name.encode("utf-8")) > 63:
        raise InvalidInput("a PostgreSQL login name is at most 63 bytes")
    verifier = password_verifier(conn, name, password) if password else None
    conn.execute(
        text("SELECT fc_create_login(CAST(:n AS text), CAST(:r AS text), CAST(:v AS text))"),
        {"n": name, "r": role.value, "v": verifier},
    )


def set_login(conn: Connection, name: str, role: Role, active: bool) -> None:
    """Move the login to its role's group; a deactivated user can no longer log in (NOLOGIN)."""
    conn.execute(
        text("SELECT fc_set_login(CAST(:n AS text), CAST(:r AS text), CAST(:a AS boolean))"),
        {"n": name, "r": role.value, "a": active},
    )


def create_member_login(conn: Connection, name: str, group: str, password: str | None) -> None:
    """A login in one of our groups, created by the owner (`db grant`: the first admin, the worker).

    An existing login joins the group as it is (its password is left alone).
    """
    role = group_names(conn)[group]
    exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": _ident(name)})
    if exists:
        _run(conn, f'GRANT "{role}" TO "{name}"')
        return
    verifier = password_verifier(conn, name, password) if password else None
    stmt = conn.scalar(
        text(
            "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', CAST(:n AS text), CAST(:v AS text), CAST(:g AS text))"
        ),
        {"n": name, "v": verifier, "g": role},
    )
    _run(conn, str(stmt))


def _ident(name: str) -> str:
    if '"' in name or not name or len(name.encode("utf-8")) > 63:
        raise InvalidInput(f"{name!r} is not a login name")
    return name


@dataclass(frozen=True)
class GroupView:
    role: str
    group: str
    members: tuple[str, ...]


def groups(conn: Connection) -> list[GroupView]:
    """Each group role and the logins in it (`db roles`)."""
    out = []
    for role, group in group_names(conn).items():
        members = conn.scalars(
            text(
                "SELECT m.rolname FROM pg_auth_members am "
                "JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member "
                "WHERE g.rolname = :g ORDER BY m.rolname"
            ),
            {"g": group},
        )
        out.append(GroupView(role, group, tuple(members)))
    return out
