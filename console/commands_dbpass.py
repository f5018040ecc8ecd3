"""`db password set|forget`: the PostgreSQL password in the OS keyring, never in a file or the database.

These run before any connection (a password is what makes one possible), so they only
read the database URL from --db or the configuration, never open it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.workspace.actor import Actor


def register_password(dsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pw = dsub.add_parser(
        "password",
        help="PostgreSQL: keep your database password in the OS keyring",
        description=(
            "Keep the password of the database login in the OS keyring (service "
            "'front-counter', key 'postgresql://USER@HOST:PORT/DATABASE'). It is read when "
            "the server asks for a password that the database URL, PGPASSWORD and "
            "PGPASSFILE (~/.pgpass) did not give."
        ),
        epilog="Example: front-counter --db postgresql://d.hughes@db.force.local/fc "
        "db password set",
    )
    psub = pw.add_subparsers(dest="password_command", required=True)
    st = psub.add_parser(
        "set",
        help="store the password (asked for, or read from stdin)",
        description="Store the database login's password in the OS keyring.",
        epilog="Example: front-counter --db postgresql://d.hughes@db.force.local/fc "
        "db password set --stdin < secret.txt",
    )
    st.add_argument(
        "--stdin", action="store_true", help="read the password from stdin (its first line)"
    )
    st.set_defaults(run=_known_errors(_set), no_database=True)
    fg = psub.add_parser(
        "forget",
        help="remove the stored password",
        description="Remove the database login's password from the OS keyring.",
        epilog="Example: front-counter --db postgresql://d.hughes@db.force.local/fc "
        "db password forget",
    )
    fg.set_defaults(run=_known_errors(_forget), no_database=True)


def _key(args: argparse.Namespace) -> str:
    from sqlalchemy.engine import make_url

    from console import settings
    from services.errors import InvalidInput
    from services.store.db import normalise_url
    from services.workspace import secrets

    url = make_url(normalise_url(settings.database_url(args.db)))
    if url.get_backend_name() != "postgresql":
        raise InvalidInput(
            "only a PostgreSQL database has a password: name it with --db postgresql://USER@HOST/DATABASE"
        )
    return secrets.database_key(url.username, url.host, url.port, url.database)


def _known_errors(run: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """These commands run outside the CLI's usual error handling (they open no database)."""

    def wrapped(_ctx: AppContext | None, _actor: Actor | None, args: argparse.Namespace) -> int:
        from console.config_file import ConfigError
        from services.errors import KnownError

        try:
            return run(args)
        except (KnownError, ConfigError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1

    return wrapped


def _set(args: argparse.Namespace) -> int:
    import getpass

    from services.workspace import secrets

    key = _key(args)
    if args.stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {key}: ")
    if not password:
        print("error: no password given; nothing stored", file=sys.stderr)
        return 1
    secrets.store_database_password(key, password)
    print(f"stored in the keyring (service {secrets.SERVICE!r}) for {key}")
    return 0


def _forget(args: argparse.Namespace) -> int:
    from services.workspace import secrets

    key = _key(args)
    if secrets.delete_database_password(key):
        print(f"removed from the keyring: {key}")
    else:
        print(f"no password was stored for {key}")
    return 0
