"""Administration commands: database, demo workspace, users, audit chain."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.workspace.actor import Actor

ROLES = ("officer", "supervisor", "admin")


def _parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, purpose: str, example: str
) -> argparse.ArgumentParser:
    return sub.add_parser(
        name, help=purpose, description=purpose[:1].upper() + purpose[1:] + ".",
        epilog=f"Example: front-counter {example}",
    )  # fmt: skip


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(dest="db_command", required=True)
    up = _parser(
        dsub, "upgrade", "create the database, or bring its schema to this release's version",
        "--db ~/force.db db upgrade",
    )  # fmt: skip
    up.set_defaults(run=cmd_db_upgrade, no_actor=True)
    gr = _parser(
        dsub, "grant", "PostgreSQL, as the schema's owner: (re)create the group roles and their "
        "grants; add the first admin's or the worker's login",
        "db grant --admin r.lindqvist --password-stdin",
    )  # fmt: skip
    who = gr.add_mutually_exclusive_group()
    who.add_argument("--admin", metavar="LOGIN", help="add this login as an admin (a user too)")
    who.add_argument("--worker", metavar="LOGIN", help="add this login to the worker's group")
    gr.add_argument(
        "--password-stdin", action="store_true", help="read the login's password from stdin"
    )
    gr.set_defaults(run=cmd_db_grant, no_actor=True)
    rl = _parser(dsub, "roles", "PostgreSQL: the group roles and who is in each", "db roles")
    rl.set_defaults(run=cmd_db_roles, no_actor=True)
    bk = _parser(
        dsub, "backup", "copy the database to a file, safely while everyone works "
        "(SQLite: online backup; PostgreSQL: pg_dump --format=custom)",
        "db backup --out /srv/backups/front-counter-2026-12-01.dump",
    )  # fmt: skip
    bk.add_argument("--out", required=True, help="the backup file to write (never overwritten)")
    bk.set_defaults(run=cmd_db_backup, no_actor=True, no_migrate=True)
    rs = _parser(
        dsub, "restore", "restore a backup into an empty database (--db), then verify its audit",
        "--db ~/restored.db db restore /srv/backups/front-counter-2026-12-01.db",
    )  # fmt: skip
    rs.add_argument("file", help="a file written by `db backup`")
    rs.set_defaults(run=cmd_db_restore, no_actor=True, no_migrate=True)
    rc = _parser(
        dsub, "recount", "rebuild the sidebar's counts from the items (a repair; the database "
        "keeps them in every change's transaction)",
        "db recount",
    )  # fmt: skip
    rc.set_defaults(run=cmd_db_recount, no_actor=True)
    sw = _parser(
        dsub, "sweep-attachments", "remove attachment files no item names any more (after "
        "`channel remove` or an interrupted sync; the worker does it daily), never one in use",
        "db sweep-attachments --dry-run",
    )  # fmt: skip
    sw.add_argument("--dry-run", action="store_true", help="say what would go; remove nothing")
    sw.set_defaults(run=cmd_db_sweep_attachments)
    from console.commands_dbpass import register_password  # the keyring, no connection

    register_password(dsub)

    p = sub.add_parser("demo", help="the demo workspace")
    dsub = p.add_subparsers(dest="demo_command", required=True)
    ld = _parser(
        dsub, "load", "load the demo workspace (does nothing if already loaded)", "demo load"
    )
    ld.set_defaults(run=cmd_demo_load)

    p = sub.add_parser("user", help="users, roles and leavers")
    usub = p.add_subparsers(dest="user_command", required=True)
    add = _parser(
        usub, "add", "add a user (admins only)",
        "user add d.hughes --role officer --display-name 'PC Dana Hughes' --collar 4471",
    )  # fmt: skip
    add.add_argument("name", help="login name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--display-name", help="how replies are signed, e.g. 'PC Dana Hughes'")
    add.add_argument("--collar", help="collar number, used in reply signatures")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="PostgreSQL: read the new login's first password from stdin "
        "(default: a random one, printed once)",
    )
    add.set_defaults(run=cmd_user_add)
    st = _parser(
        usub, "set", "change a user's role or names, or deactivate a leaver (admins only; "
        "users are never deleted, the audit keeps their name)",
        "user set d.hughes --active no",
    )  # fmt: skip
    st.add_argument("name", help="login name")
    st.add_argument("--role", choices=ROLES)
    st.add_argument("--display-name")
    st.add_argument("--collar", help="collar number ('' clears it)")
    st.add_argument("--active", choices=["yes", "no"], help="no: the user can no longer act")
    st.set_defaults(run=cmd_user_set)
    ls = _parser(usub, "list", "list users", "user list --json")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_user_list)

    p = sub.add_parser("audit", help="the audit trail")
    asub = p.add_subparsers(dest="audit_command", required=True)
    ver = _parser(
        asub, "verify", "check the hash chain; names the first broken event", "audit verify"
    )
    ver.add_argument("--json", action="store_true")
    ver.set_defaults(run=cmd_audit_verify, no_actor=True)
    from console.commands_records import register_audit  # anchors: issue 13

    register_audit(asub, ver)


def cmd_db_upgrade(ctx: AppContext, _actor: Actor | None, _args: argparse.Namespace) -> int:
    from services.store import roles
    from services.store.db import current_revision, head_revision, upgrade

    with ctx.engine.begin() as conn:
        roles.require_owner(conn, "db upgrade")
    before = current_revision(ctx.engine)
    upgrade(ctx.engine)
    with ctx.engine.begin() as conn:
        # Again on every upgrade: tables a release added get their grants too.
        roles.install(conn)
    head = head_revision()
    print(f"schema at {head}" + ("" if before == head else f" (was {before or 'empty'})"))
    return 0


def _password(args: argparse.Namespace, login: str) -> str:
    import secrets
    import sys

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            from services.errors import InvalidInput

            raise InvalidInput("no password on stdin")
        return password
    password = secrets.token_urlsafe(12)
    print(f"first password for {login}: {password}  (hand it over in person; it is shown once)")
    return password


def cmd_db_grant(ctx: AppContext, _actor: Actor | None, args: argparse.Namespace) -> int:
    from services.errors import InvalidInput
    from services.store import roles
    from services.workspace import users

    with ctx.engine.begin() as conn:
        if not roles.is_postgres(conn):
            raise InvalidInput(
                "roles and grants exist only on PostgreSQL: on SQLite whoever can open the "
                "file can change it, and four eyes are not enforced (see `policy show`)"
            )
        roles.require_owner(conn, "db grant")
        roles.install(conn)
        names = roles.group_names(conn)
        if args.worker:
            roles.create_member_login(conn, args.worker, roles.WORKER, _password(args, args.worker))
    print("group roles: " + ", ".join(names.values()))
    if args.worker:
        print(f"{args.worker} runs the worker: `front-counter --db postgresql://{args.worker}@…`")
    if args.admin:
        admin = users.add_first_admin(ctx.factory, args.admin, _password(args, args.admin))
        print(f"{admin.name} is an admin: they add everyone else with `front-counter user add`")
    return 0


def cmd_db_roles(ctx: AppContext, _actor: Actor | None, _args: argparse.Namespace) -> int:
    from console.output import print_table
    from services.errors import InvalidInput
    from services.store import roles

    with ctx.engine.connect() as conn:
        if not roles.is_postgres(conn):
            raise InvalidInput("roles exist only on PostgreSQL")
        rows = [[g.role, g.group, ", ".join(g.members) or "(nobody)"] for g in roles.groups(conn)]
        owner = roles.schema_owner(conn)
    print_table(["ROLE", "GROUP", "LOGINS"], rows)
    print(f"schema owner (runs db upgrade, nobody works as it): {owner}")
    return 0


def cmd_db_recount(ctx: AppContext, _actor: Actor | None, _args: argparse.Namespace) -> int:
    from services.inbox.item_counts import recount

    result = recount(ctx.factory)
    fixed = f"{result.wrong:,} were wrong and are repaired" if result.wrong else "all were right"
    print(f"recounted the sidebar's counts: {result.rows:,} counts, {fixed}")
    return 0


def cmd_db_sweep_attachments(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.errors import InvalidInput
    from services.records.attachments_sweep import sweep

    result = sweep(ctx.factory, actor, dry_run=args.dry_run)
    if result.refused is not None:
        raise InvalidInput(result.refused)
    if result.folder is None:
        print("this database keeps no attachment files (attachments_folder is not set)")
        return 0

    def files(n: int) -> str:
        return f"{n:,} file" + ("" if n == 1 else "s")

    verb = "would remove" if result.dry_run else "removed"
    partial = f", {result.partial:,} unfinished writes" if result.partial else ""
    print(
        f"{result.folder}: {verb} {files(result.removed)} no item names "
        f"({result.freed_bytes:,} bytes){partial}; kept {files(result.kept)} in use"
    )
    return 0


def cmd_db_backup(ctx: AppContext, _actor: Actor | None, args: argparse.Namespace) -> int:
    from pathlib import Path

    from services.store import backup

    result = backup.backup(ctx.engine, Path(args.out))
    print(f"backup written: {result.path} ({result.bytes:,} bytes, {result.kind})")
    return 0


def cmd_db_restore(ctx: AppContext, _actor: Actor | None, args: argparse.Namespace) -> int:
    from pathlib import Path

    from services.records import audit
    from services.store import backup

    backup.restore(ctx.engine, Path(args.file))
    report = audit.verify_chain(ctx.factory)
    print(f"restored {args.file}")
    if not report.ok:
        print(f"audit chain BROKEN at event {report.broken_seq}: {report.reason}")
        return 3
    print(f"audit chain intact: {report.events} events verified")
    return 0


def cmd_demo_load(ctx: AppContext, _actor: Actor, _args: argparse.Namespace) -> int:
    from services import demo

    result = demo.load(ctx.factory)
    print(
        f"demo workspace loaded: {result.items} items"
        if result.loaded
        else "demo workspace already loaded"
    )
    return 0


def cmd_user_add(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.store import roles
    from services.store.models import Role
    from services.workspace import users

    with ctx.engine.connect() as conn:
        login = roles.is_postgres(conn) and not roles.is_superuser(conn)
    password = _password(args, args.name) if login else None
    user = users.add_user(
        ctx.factory, actor, args.name, Role(args.role), args.display_name, args.collar, password
    )
    group = f", login in group {args.role}" if login else ""
    print(f"added {user.name} ({user.role.value}{group})")
    return 0


def cmd_user_set(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.errors import InvalidInput
    from services.store.models import Role
    from services.workspace import users

    if args.role is None and args.display_name is None and args.collar is None and not args.active:
        raise InvalidInput("nothing to change: give --role, --display-name, --collar or --active")
    user = users.set_user(
        ctx.factory,
        actor,
        args.name,
        role=Role(args.role) if args.role else None,
        display_name=args.display_name,
        collar_number=args.collar,
        active=None if args.active is None else args.active == "yes",
    )
    state = "active" if user.active else "deactivated (cannot act; kept in the audit)"
    collar = f", collar {user.collar_number}" if user.collar_number else ""
    print(f"{user.name}: {user.role.value}, “{user.display_name}”{collar}, {state}")
    return 0


def cmd_user_list(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    from console.output import print_json, print_table
    from services.workspace import users

    rows = users.list_users(ctx.factory)
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["NAME", "ROLE", "DISPLAY NAME", "COLLAR", "ACTIVE"],
        [
            [
                u.name,
                u.role.value,
                u.display_name,
                u.collar_number or "",
                "yes" if u.active else "no",
            ]
            for u in rows
        ],
    )
    return 0


def cmd_audit_verify(ctx: AppContext, _actor: Actor | None, args: argparse.Namespace) -> int:
    from console.output import print_json
    from services.records import audit

    if getattr(args, "anchor", None) is not None:
        from console.commands_records import cmd_audit_verify_anchor

        return cmd_audit_verify_anchor(ctx, args)
    report = audit.verify_chain(ctx.factory)
    if args.json:
        print_json(report)
    elif report.ok:
        print(f"audit chain intact: {report.events} events verified")
    else:
        print(
            f"audit chain BROKEN at event {report.broken_seq}"
            + (f" (row id {report.broken_id})" if report.broken_id else "")
            + f": {report.reason}"
        )
    return 0 if report.ok else 3
