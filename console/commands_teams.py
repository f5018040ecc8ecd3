"""Team commands: the escalation teams an item may be raised to (admins keep the list)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.workspace.actor import Actor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "team",
        help="escalation teams",
        description="The teams an item can be escalated to.",
        epilog="Example: front-counter team add CID --description 'Criminal Investigation'",
    )
    tsub = p.add_subparsers(dest="team_command", required=True)
    add = tsub.add_parser(
        "add",
        help="add a team (admins only)",
        description="Add a team items can be escalated to (admins only).",
        epilog="Example: front-counter team add CID --description 'Criminal Investigation'",
    )
    add.add_argument("name")
    add.add_argument("--description")
    add.set_defaults(run=cmd_team_add)
    ls = tsub.add_parser(
        "list",
        help="list the teams",
        description="List the escalation teams.",
        epilog="Example: front-counter team list --json",
    )
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_team_list)
    rm = tsub.add_parser(
        "remove",
        help="remove a team with no open escalations (admins only)",
        description="Remove a team with no open escalations (admins only).",
        epilog="Example: front-counter team remove CID",
    )
    rm.add_argument("name")
    rm.set_defaults(run=cmd_team_remove)


def cmd_team_add(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import teams

    team = teams.add_team(ctx.factory, actor, args.name, args.description)
    print(f"team added: {team.name}")
    return 0


def cmd_team_list(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    from console.output import print_json, print_table
    from services.desk import teams

    found = teams.list_teams(ctx.factory)
    if args.json:
        print_json([{"name": t.name, "description": t.description} for t in found])
    else:
        print_table(["team", "description"], [[t.name, t.description or ""] for t in found])
    return 0


def cmd_team_remove(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import teams

    teams.remove_team(ctx.factory, actor, args.name)
    print(f"team removed: {args.name}")
    return 0
