"""`item attachments ITEM` lists an e-mail's attachments; `item attachment ITEM N --out FILE` saves one.

Nothing is opened or rendered here: the bytes are written to the file asked for,
after their hash is checked against the one taken at ingest (services/records/attachments.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.workspace.actor import Actor


def register(isub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds the two subcommands to `item` (console/commands_inbox.py builds that parser)."""
    ls = isub.add_parser(
        "attachments",
        help="list an item's attachments (kept, or why not)",
        epilog="Example: front-counter item attachments 42",
    )
    ls.add_argument("id", type=int, metavar="ITEM")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_item_attachments)
    get = isub.add_parser(
        "attachment",
        help="save one attachment to a file (it is never opened here)",
        epilog="Example: front-counter item attachment 42 1 --out statement.pdf",
    )
    get.add_argument("id", type=int, metavar="ITEM")
    get.add_argument("n", type=int, metavar="N", help="its number in `item attachments`")
    get.add_argument("--out", required=True, type=Path, metavar="FILE")
    get.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    get.set_defaults(run=cmd_item_attachment)


def cmd_item_attachments(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from console.output import print_json, print_table
    from services.channels.email_mime import human_size
    from services.records import attachments

    listed = attachments.listed(ctx.factory, args.id)
    if args.json:
        print_json(listed)
        return 0
    if not listed:
        print(f"item #{args.id} has no attachments")
        return 0
    print_table(
        ["N", "NAME", "TYPE", "SIZE", "KEPT"],
        [
            [
                str(a.position),
                a.name,
                a.mime,
                human_size(a.size),
                "yes" if a.kept else a.note or "no",
            ]
            for a in listed
        ],
    )
    return 0


def cmd_item_attachment(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.errors import InvalidInput
    from services.records import attachments

    out: Path = args.out
    if out.exists() and not args.force:
        raise InvalidInput(f"{out} exists: choose another --out, or add --force")
    view, data = attachments.open_bytes(ctx.factory, actor, args.id, args.n)
    out.write_bytes(data)
    print(f"saved {view.name} ({view.mime}, {len(data)} bytes) to {out}")
    return 0
