"""`item distressing ITEM --on|--off`: flag an item as distressing by hand, or lift that flag.

The desktop's "Flag as distressing" action (ui/actions.py) is this command's twin;
the rule and the audit trail are services/records/welfare.py's.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.workspace.actor import Actor


def register(isub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `distressing` to `item` (console/commands_inbox.py builds that parser)."""
    p = isub.add_parser(
        "distressing",
        help="flag an item as distressing (veiled for everyone), or lift the flag",
        description=(
            "Flag an item as distressing by hand: it is shown veiled (text blurred, images "
            "hidden) to each person until they choose to reveal it. --off lifts a hand flag "
            "and needs a reason; both are recorded in the audit trail."
        ),
        epilog="Example: front-counter item distressing 42 --off --reason 'flagged by mistake'",
    )
    p.add_argument("id", type=int, metavar="ITEM")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--on", dest="on", action="store_true", help="flag it")
    which.add_argument("--off", dest="on", action="store_false", help="lift the hand flag")
    p.add_argument("--reason", default="", help="why (required with --off)")
    p.set_defaults(run=cmd_item_distressing)


def cmd_item_distressing(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records import welfare

    done = welfare.set_distressing(ctx.factory, actor, args.id, args.on, args.reason)
    if done.changed:
        print(
            f"item {args.id} flagged as distressing: veiled until each person reveals it"
            if args.on
            else f"item {args.id}: the hand flag is lifted"
        )
    else:
        print(
            f"item {args.id} was already flagged by hand"
            if args.on
            else f"item {args.id} had no hand flag"
        )
    if not args.on and done.risk_categories:
        print(
            f"it stays veiled: the risk rules flag it ({', '.join(done.risk_categories)})",
        )
    return 0
