"""Saved search commands: the same list the desktop's sidebar shows, per person."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.workspace.actor import Actor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("search", help="your saved searches (the sidebar's list)")
    ssub = p.add_subparsers(dest="search_command", required=True)
    save = ssub.add_parser(
        "save",
        help="save (or replace) a named search",
        description="Save (or replace) a named search; it appears in your sidebar.",
        epilog="Example: front-counter search save 'My complaints' 'tag:complaint assignee:me'",
    )
    save.add_argument("name")
    save.add_argument("query", help="a search, as typed in the search box or `inbox`")
    save.set_defaults(run=cmd_search_save)
    ls = ssub.add_parser(
        "list",
        help="your saved searches",
        description="List your saved searches.",
        epilog="Example: front-counter search list --json",
    )
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_search_list)
    rm = ssub.add_parser(
        "remove",
        help="remove a saved search",
        description="Remove one of your saved searches.",
        epilog="Example: front-counter search remove 'My complaints'",
    )
    rm.add_argument("name")
    rm.set_defaults(run=cmd_search_remove)


def cmd_search_save(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.inbox import saved_searches

    saved = saved_searches.save(ctx.factory, actor, args.name, args.query)
    print(f"saved search “{saved.name}”: {saved.query}")
    return 0


def cmd_search_list(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from console.output import print_json, print_table
    from services.inbox import saved_searches

    rows = saved_searches.list_searches(ctx.factory, actor.id)
    if args.json:
        print_json(rows)
    else:
        print_table(["NAME", "SEARCH"], [[r.name, r.query] for r in rows])
    return 0


def cmd_search_remove(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.inbox import saved_searches

    saved_searches.remove(ctx.factory, actor, args.name)
    print(f"saved search “{args.name}” removed")
    return 0
