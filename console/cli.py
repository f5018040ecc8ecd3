"""The `front-counter` command line: parses, opens the database, resolves the user, calls services."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError, OperationalError

from console import (
    commands_admin,
    commands_channels,
    commands_inbox,
    commands_replies,
    commands_reports,
    commands_teams,
    gui,
    settings,
)
from console.context import open_context
from services.errors import KnownError
from services.store.faults import database_fault
from services.users import resolve_actor


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="front-counter",
        description="Front Counter: one inbox for what the public says to the force online.",
    )
    parser.add_argument(
        "--db",
        help=f"database URL or SQLite file (env {settings.DB.env}; default: user data folder)",
    )
    parser.add_argument(
        "--user", help=f"act as this user (env {settings.USER.env}; default: your login name)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands_inbox.register(sub)
    commands_admin.register(sub)
    commands_channels.register(sub)
    commands_replies.register(sub)
    commands_replies.register_admin(sub)
    commands_reports.register(sub)
    commands_teams.register(sub)
    gui.register(sub)
    desktop = sub.add_parser("gui", help="open the desktop console (the default)")
    desktop.set_defaults(run=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    url = settings.database_url(args.db)
    try:
        if getattr(args, "run", None) is None:
            return gui.launch(args)
        return _run_command(args, url)
    except KnownError as exc:
        return _error(str(exc))
    except DBAPIError as exc:
        fault = database_fault(exc, url)
        if fault is None:
            raise  # not the database's own fault: a bug, keep its traceback
        return _error(str(fault))


def _run_command(args: argparse.Namespace, url: str) -> int:
    try:
        ctx = open_context(url, settings.timezone_name())
    except OperationalError as exc:
        if database_fault(exc, url) is not None:
            raise
        return _error(f"cannot open the database: {exc.orig}")
    try:
        actor = None
        if not getattr(args, "no_actor", False):
            actor = resolve_actor(ctx.factory, settings.acting_user(args.user))
        return int(args.run(ctx, actor, args))
    finally:
        ctx.close()


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1
