"""Administration commands: database, demo workspace, users, audit chain."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.users import Actor

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


def cmd_db_upgrade(ctx: AppContext, _actor: Actor | None, _args: argparse.Namespace) -> int:
    from services.store.db import current_revision, head_revision, upgrade

    before = current_revision(ctx.engine)
    upgrade(ctx.engine)
    head = head_revision()
    print(f"schema at {head}" + ("" if before == head else f" (was {before or 'empty'})"))
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
    from services import users
    from services.store.models import Role

    user = users.add_user(
        ctx.factory, actor, args.name, Role(args.role), args.display_name, args.collar
    )
    print(f"added {user.name} ({user.role.value})")
    return 0


def cmd_user_set(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services import users
    from services.errors import InvalidInput
    from services.store.models import Role

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
    from services import users

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
    from services import audit

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
