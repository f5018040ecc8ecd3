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

PREFIX_SETTING = "front_counter.role_prefix"
DEFAULT_PREFIX = "fc"
WORKER = "worker"
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
    for stmt in _guards(g):
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


def _guards(g: dict[str, str]) -> list[str]:
    officer, supervisor, admin = g[Role.OFFICER], g[Role.SUPERVISOR], g[Role.ADMIN]
    keep = ", ".join(f"'{k}'" for k in BOOKKEEPING_SETTINGS)
    deny = "USING ERRCODE = 'insufficient_privilege'"
    fn = "LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$"
    return [
        f"""CREATE OR REPLACE FUNCTION fc_is(p_group text) RETURNS boolean {fn}
        BEGIN RETURN pg_has_role(session_user, p_group, 'MEMBER'); END $$""",
        # The owner and superusers can drop any trigger anyway: checking them guards nothing,
        # and it would stop pg_restore and set-up scripts.
        f"""CREATE OR REPLACE FUNCTION fc_exempt() RETURNS boolean {fn}
        BEGIN RETURN coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
          OR session_user = (SELECT tableowner FROM pg_tables
                             WHERE schemaname = 'public' AND tablename = 'alembic_version');
        END $$""",
        f"""CREATE OR REPLACE FUNCTION fc_user_id() RETURNS integer {fn}
        BEGIN RETURN (SELECT id FROM user_account WHERE name = session_user AND active); END $$""",
        # A reply is released (approved, sending, sent) only by someone allowed to approve.
        f"""CREATE OR REPLACE FUNCTION fc_reply_guard() RETURNS trigger {fn}
        DECLARE
          approver boolean := fc_is('{supervisor}') OR fc_is('{admin}') OR (fc_is('{officer}')
            AND coalesce((SELECT (value::jsonb -> 'direct_roles') ? 'officer' FROM setting
                          WHERE key = 'review_policy'), false));
          released text[] := ARRAY['approved', 'sending', 'sent'];
        BEGIN
          IF fc_exempt() THEN RETURN NEW; END IF;
          IF TG_OP = 'INSERT' THEN
            IF NEW.state = ANY(released) AND NOT approver THEN
              RAISE EXCEPTION 'permission denied: % may not release a reply', session_user {deny};
            END IF;
          ELSIF NEW.state = ANY(released) AND NOT OLD.state = ANY(released || 'failed'::text) THEN
            IF NOT approver THEN
              RAISE EXCEPTION 'permission denied: % may not approve reply %', session_user, OLD.id
                {deny};
            END IF;
            IF OLD.state = 'in_review' AND (NEW.reviewer_id IS NULL
                OR NEW.reviewer_id IS DISTINCT FROM fc_user_id()
                OR NEW.reviewer_id = NEW.author_id) THEN
              RAISE EXCEPTION 'permission denied: reply % must be approved by its reviewer, '
                'who is not its author', OLD.id {deny};
            END IF;
          ELSIF OLD.state = ANY(released || 'failed'::text) AND NOT approver
              AND (NEW.body IS DISTINCT FROM OLD.body OR NEW.item_id <> OLD.item_id) THEN
            RAISE EXCEPTION 'permission denied: reply % was approved as written', OLD.id {deny};
          END IF;
          RETURN NEW;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION fc_setting_guard() RETURNS trigger {fn}
        DECLARE k text := CASE WHEN TG_OP = 'DELETE' THEN OLD.key ELSE NEW.key END;
        BEGIN
          IF fc_exempt() THEN RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END IF;
          IF NOT (k IN ({keep}) OR fc_is('{admin}')) OR (TG_OP = 'UPDATE' AND OLD.key <> NEW.key
              AND NOT fc_is('{admin}')) THEN
            RAISE EXCEPTION 'permission denied: only an admin changes the setting %', k {deny};
          END IF;
          RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION fc_user_guard() RETURNS trigger {fn}
        BEGIN
          IF NOT fc_exempt() AND NOT fc_is('{admin}') AND OLD.name <> session_user THEN
            RAISE EXCEPTION 'permission denied: only an admin changes another user' {deny};
          END IF;
          RETURN NEW;
        END $$""",
        # The app computes each hash; the database makes sure the chain only grows at its head
        # and that an event names the person connected (admins may import history).
        f"""CREATE OR REPLACE FUNCTION fc_audit_guard() RETURNS trigger {fn}
        DECLARE last_seq bigint; last_hash text;
        BEGIN
          IF fc_exempt() THEN RETURN NEW; END IF;
          SELECT seq, hash INTO last_seq, last_hash FROM audit_event ORDER BY seq DESC LIMIT 1;
          IF NEW.seq <> coalesce(last_seq, 0) + 1
              OR NEW.prev_hash <> coalesce(last_hash, repeat('0', 64)) THEN
            RAISE EXCEPTION 'permission denied: audit event % does not follow the chain head %',
              NEW.seq, coalesce(last_seq, 0) {deny};
          END IF;
          IF NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM fc_user_id()
              AND NOT fc_is('{admin}') THEN
            RAISE EXCEPTION 'permission denied: % may not record an event as user %',
              session_user, NEW.actor_id {deny};
          END IF;
          RETURN NEW;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION fc_audit_head_guard() RETURNS trigger {fn}
        BEGIN
          IF fc_exempt() OR (NEW.seq = OLD.seq AND NEW.last_hash = OLD.last_hash) THEN
            RETURN NEW;
          END IF;
          IF NOT EXISTS (SELECT 1 FROM audit_event WHERE seq = NEW.seq AND hash = NEW.last_hash)
              OR EXISTS (SELECT 1 FROM audit_event WHERE seq > NEW.seq) THEN
            RAISE EXCEPTION 'permission denied: the chain head must be its last event' {deny};
          END IF;
          RETURN NEW;
        END $$""",
        *_trigger("reply", "fc_reply_guard", "INSERT OR UPDATE"),
        *_trigger("setting", "fc_setting_guard", "INSERT OR UPDATE OR DELETE"),
        *_trigger("user_account", "fc_user_guard", "UPDATE"),
        *_trigger("audit_event", "fc_audit_guard", "INSERT"),
        *_trigger("audit_head", "fc_audit_head_guard", "UPDATE"),
        *_login_functions(g),
    ]


def _run(conn: Connection, statement: str) -> None:
    # Straight to the driver without parameters: the SQL holds % (format(), RAISE) as it is.
    raw = conn.connection.driver_connection
    raw.execute(statement)  # type: ignore[union-attr]  # a psycopg 3 connection


def _trigger(table: str, function: str, events: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {function} ON {table}",
        f"CREATE TRIGGER {function} BEFORE {events} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def _login_functions(g: dict[str, str]) -> list[str]:
    people = {r: g[r] for r in (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)}
    case = " ".join(f"WHEN '{r}' THEN '{n}'" for r, n in people.items())
    ours = ", ".join(f"'{n}'" for n in people.values())
    deny = "USING ERRCODE = 'insufficient_privilege'"
    head = (
        "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$\n"
        f"DECLARE grp text := CASE p_role {case} END; r pg_roles%ROWTYPE;\nBEGIN\n"
        f"  IF NOT pg_has_role(session_user, '{g[Role.ADMIN]}', 'MEMBER') THEN\n"
        f"    RAISE EXCEPTION 'permission denied: only an admin manages logins' {deny};\n"
        "  END IF;\n"
        "  IF grp IS NULL THEN RAISE EXCEPTION 'unknown role %', p_role; END IF;\n"
        "  SELECT * INTO r FROM pg_roles WHERE rolname = p_name;\n"
        "  IF FOUND AND (r.rolsuper OR r.rolcreaterole OR r.rolname = current_user\n"
        f"      OR r.rolname LIKE '{g[Role.ADMIN].rsplit('_', 1)[0]}\\_%') THEN\n"
        f"    RAISE EXCEPTION 'permission denied: % is not a person''s login', p_name {deny};\n"
        "  END IF;\n"
    )
    revoke_ours = (
        f"  FOR r IN SELECT * FROM pg_roles WHERE rolname IN ({ours}) LOOP\n"
        "    EXECUTE format('REVOKE %I FROM %I', r.rolname, p_name);\n  END LOOP;\n"
    )
    return [
        "CREATE OR REPLACE FUNCTION fc_create_login(p_name text, p_role text, p_verifier text)"
        " RETURNS void " + head + "  IF FOUND THEN\n"
        # An existing login (single sign-on, or a returning leaver) joins the group as it is.
        "    EXECUTE format('GRANT %I TO %I', grp, p_name);\n"
        "  ELSE\n"
        "    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I',"
        " p_name, p_verifier, grp);\n"
        "  END IF;\nEND $$",
        "CREATE OR REPLACE FUNCTION fc_set_login(p_name text, p_role text, p_active boolean)"
        " RETURNS void "
        + head
        + "  IF NOT FOUND THEN RETURN; END IF;\n"
        + revoke_ours
        + "  EXECUTE format('GRANT %I TO %I', grp, p_name);\n"
        "  EXECUTE format('ALTER ROLE %I ' || CASE WHEN p_active THEN 'LOGIN' ELSE 'NOLOGIN' END,"
        " p_name);\nEND $$",
        "REVOKE ALL ON FUNCTION fc_create_login(text, text, text) FROM PUBLIC",
        "REVOKE ALL ON FUNCTION fc_set_login(text, text, boolean) FROM PUBLIC",
        f'GRANT EXECUTE ON FUNCTION fc_create_login(text, text, text) TO "{g[Role.ADMIN]}"',
        f'GRANT EXECUTE ON FUNCTION fc_set_login(text, text, boolean) TO "{g[Role.ADMIN]}"',
    ]


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
