"""Administration commands: database, demo workspace, users, audit chain."""

from __future__ import annotations

import argparse

from console.context import AppContext
from console.output import print_json, print_table
from services import audit, demo, users
from services.store.db import current_revision, head_revision, upgrade
from services.store.models import Role
from services.users import Actor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="bring the schema to this release's version")
    up.set_defaults(run=cmd_db_upgrade, no_actor=True)

    p = sub.add_parser("demo", help="the demo workspace")
    dsub = p.add_subparsers(dest="demo_command", required=True)
    ld = dsub.add_parser("load", help="load the demo workspace (does nothing if already loaded)")
    ld.set_defaults(run=cmd_demo_load)

    p = sub.add_parser("user", help="users and roles")
    usub = p.add_subparsers(dest="user_command", required=True)
    add = usub.add_parser("add", help="add a user (admins only)")
    add.add_argument("name")
    add.add_argument("--role", choices=[r.value for r in Role], required=True)
    add.add_argument("--display-name")
    add.add_argument("--collar", help="collar number, used in reply signatures")
    add.set_defaults(run=cmd_user_add)
    ls = usub.add_parser("list", help="list users")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_user_list)

    p = sub.add_parser("audit", help="the audit trail")
    asub = p.add_subparsers(dest="audit_command", required=True)
    ver = asub.add_parser("verify", help="check the hash chain; names the first broken event")
    ver.add_argument("--json", action="store_true")
    ver.set_defaults(run=cmd_audit_verify, no_actor=True)


def cmd_db_upgrade(ctx: AppContext, _actor: Actor | None, _args: argparse.Namespace) -> int:
    before = current_revision(ctx.engine)
    upgrade(ctx.engine)
    head = head_revision()
    print(f"schema at {head}" + ("" if before == head else f" (was {before or 'empty'})"))
    return 0


def cmd_demo_load(ctx: AppContext, _actor: Actor, _args: argparse.Namespace) -> int:
    result = demo.load(ctx.factory)
    print(
        f"demo workspace loaded: {result.items} items"
        if result.loaded
        else "demo workspace already loaded"
    )
    return 0


def cmd_user_add(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    user = users.add_user(
        ctx.factory, actor, args.name, Role(args.role), args.display_name, args.collar
    )
    print(f"added {user.name} ({user.role.value})")
    return 0


def cmd_user_list(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    rows = users.list_users(ctx.factory)
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["NAME", "ROLE", "DISPLAY NAME", "COLLAR"],
        [[u.name, u.role.value, u.display_name, u.collar_number or ""] for u in rows],
    )
    return 0


def cmd_audit_verify(ctx: AppContext, _actor: Actor | None, args: argparse.Namespace) -> int:
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
