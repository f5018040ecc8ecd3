"""The SQL of the team database's guards: triggers and functions that refuse out loud.

services/store/roles.py says why these are BEFORE triggers raising SQLSTATE
42501 rather than row-level security, and installs them; this module only
writes them, for one workspace's group names: who may release a reply, which
settings an admin alone may change, that a person edits only their own
profile, that the audit chain grows only at its head, and the two SECURITY
DEFINER functions through which admins create and change logins.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.store.models import Role


def guard_statements(
    g: dict[str, str], *, worker: str, bookkeeping: Sequence[str], automatic_author: str
) -> list[str]:
    """Every guard function and trigger, and the login functions, for the groups `g`.

    `g` maps each Front Counter role to its group role, `worker` is the worker's group;
    `bookkeeping` are the settings anyone may write; `automatic_author` is the system user
    whose replies the worker may release.
    """
    officer, supervisor, admin = g[Role.OFFICER], g[Role.SUPERVISOR], g[Role.ADMIN]
    keep = ", ".join(f"'{k}'" for k in bookkeeping)
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
            -- The worker queues the acknowledgement an admin wrote; it holds the platforms'
            -- tokens anyway, so this gives its login no power it lacked.
            IF NEW.state = ANY(released) AND NOT approver AND NOT (fc_is('{worker}')
                AND NEW.author_id = (SELECT id FROM user_account WHERE name = '{automatic_author}'))
            THEN
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
