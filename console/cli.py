"""The `front-counter` command line: parses, opens the database, resolves the user, calls services.

Start-up is kept quick: only the module of the command being run is imported, and
that module imports services inside its command functions. `--help` and a mistyped
command never import SQLAlchemy, Qt or a connector.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from console import settings, startup_gc
from console.config_file import ConfigError


@dataclass(frozen=True)
class Command:
    module: str
    purpose: str
    example: str


_INBOX, _ADMIN, _CHANNELS = (
    "console.commands_inbox",
    "console.commands_admin",
    "console.commands_channels",
)
_REPLIES, _REPORTS = "console.commands_replies", "console.commands_reports"
_RECORDS = "console.commands_records"

# Every top-level command, the module that registers it, its purpose and an example.
# tests/e2e/test_cli_startup.py checks this table against what the modules register.
COMMANDS: dict[str, Command] = {
    "inbox": Command(_INBOX, "list items matching a search (default: the open inbox)", "inbox is:unread tag:complaint"),
    "item": Command(_INBOX, "show one item in its thread", "item show 42"),
    "tag": Command(_INBOX, "add a tag to items", "tag urgent 42 43"),
    "untag": Command(_INBOX, "remove a tag from items", "untag urgent 42"),
    "assign": Command(_INBOX, "assign items to a user ('none' unassigns)", "assign a.moran 42"),
    "status": Command(_INBOX, "set the status of items", "status snoozed 42 --for 2d"),
    "escalate": Command(_INBOX, "escalate items to a person or a team", "escalate 42 --team CID --reason 'threat'"),
    "resolve": Command(_INBOX, "resolve an item's open escalations", "resolve 42 --resolution 'called back'"),
    "note": Command(_INBOX, "add an internal note to an item", "note 42 'Inspector will call her'"),
    "ref": Command("console.commands_refs", "crime, incident and intelligence references on items, threads and contacts", "ref add 42 --kind crime WS/2026/12345"),
    "hours": Command("console.commands_hours", "staffed hours, out-of-hours acknowledgements and on-call pages", "hours set --days mon-fri --from 08:00 --to 18:00"),
    "risk": Command("console.commands_risk", "risk triage: rules, flags, guidance", 'risk rules test "he has a knife"'),
    "search": Command("console.commands_searches", "your saved searches (the sidebar's list)", "search save 'My complaints' 'tag:complaint is:mine'"),
    "db": Command(_ADMIN, "database maintenance", "--db ~/force.db db upgrade"),
    "demo": Command(_ADMIN, "the demo workspace", "demo load"),
    "user": Command(_ADMIN, "users, roles and leavers", "user set d.hughes --role supervisor"),
    "audit": Command(_ADMIN, "the audit trail", "audit verify"),
    "channel": Command(_CHANNELS, "connect and manage channels", "channel list"),
    "sync": Command(_CHANNELS, "fetch new items and send approved replies", "sync --watch"),
    "moderate": Command(_CHANNELS, "moderate an item on its platform", "moderate 42 spam"),
    "reply": Command(_REPLIES, "draft, submit, review and list replies", "reply list --item 42"),
    "saved-reply": Command(_REPLIES, "the saved reply library", "saved-reply list"),
    "policy": Command(_REPLIES, "the review policy", "policy show"),
    "report": Command(_REPORTS, "the weekly engagement report", "report weekly --week 2026-W47 --out reports"),
    "sla": Command(_REPORTS, "the SLA policy: three timers, holidays, notices", "sla show"),
    "team": Command("console.commands_teams", "escalation teams", "team add CID"),
    "export": Command(_RECORDS, "evidence bundles and subject access exports", "export evidence 42 --out bundles --reason 'threat to staff'"),
    "hold": Command(_RECORDS, "legal holds on items, threads and contacts", "hold add thread 7 --reason 'Op Lantern'"),
    "retention": Command(_RECORDS, "how long content is kept, and erasing what is past it", "retention set --class spam --days 30"),
    "welfare": Command(_RECORDS, "how distressing items are shown to you", "welfare always-reveal off"),
    "forget": Command(_RECORDS, "erase a member of the public (except held items)", "forget person 12 --reason 'erasure request 2026-03'"),
    "screenshot": Command("console.gui", "render the main window offscreen to a PNG", "screenshot --out inbox.png --size 1280x800"),
    "gui": Command("console.gui", "open the desktop console (the default)", "gui"),
    "config": Command("console.commands_config", "the central configuration IT presets", "config show"),
}  # fmt: skip

# Examples for subcommands whose modules do not give their own (their --help shows one).
LEAF_EXAMPLES = {
    ("channel", "add"): "channel add feed --name Appeals --url https://force.example/appeals.rss",
    ("channel", "list"): "channel list --json",
    ("channel", "test"): "channel test 'Force blog'",
    ("channel", "quarantine"): "channel quarantine 'Force blog'",
    ("channel", "remove"): "channel remove 'Force blog'",
    ("report", "weekly"): "report weekly --week 2026-W47 --out reports",
    ("report", "schedule"): "report schedule --folder /srv/reports --weekday 0 --at 07:00",
    ("sla", "set"): "sla set --hours 24 --business-hours 08:00-18:00",
    ("export", "evidence"): "export evidence --thread 42 --out bundles --reason 'court file 17'",
    ("export", "verify"): "export verify bundles/evidence-thread-42-20261129T140000Z-1a2b3c4d",
    ("export", "person"): "export person 12 --out sar --reason 'SAR 2026-118'",
    ("forget", "person"): "forget person 12 --reason 'erasure request 2026-03'",
    ("hold", "add"): "hold add contact 12 --reason 'Op Lantern'",
    ("hold", "remove"): "hold remove contact 12 --reason 'Op Lantern closed'",
    ("retention", "set"): "retention set --class tag:chatter --days 90",
    ("retention", "run"): "retention run --dry-run",
    ("audit", "verify"): "audit verify --anchor /mnt/anchors/audit-anchors.jsonl",
}

_GLOBAL_WITH_VALUE = {"--db", "--user"}


def command_word(argv: Sequence[str]) -> str | None:
    """The command named on the line (after the global options), or None."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _GLOBAL_WITH_VALUE:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the module of the command in `argv` is imported (all of them if None)."""
    parser = argparse.ArgumentParser(
        prog="front-counter",
        description="Front Counter: one inbox for what the public says to the force online.",
        epilog="Without a command the desktop opens. Example: front-counter inbox is:unread",
    )
    parser.add_argument(
        "--db",
        help=f"database URL or SQLite file (env {settings.DB.env}; default: user data folder)",
    )
    parser.add_argument(
        "--create",
        action="store_true",
        help="create the SQLite file named by --db if it does not exist yet",
    )
    parser.add_argument(
        "--user", help=f"act as this user (env {settings.USER.env}; default: your login name)"
    )
    parser.add_argument(
        "--version",
        action=_VersionAction,
        help="print the version and the database schema revision it writes, then exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = command_word(argv) if argv is not None else None
    wanted = (
        {c.module for c in COMMANDS.values()}
        if argv is None
        else ({COMMANDS[chosen].module} if chosen in COMMANDS else set())
    )
    for module in sorted(wanted):
        _register(importlib.import_module(module), sub)
    for name, cmd in COMMANDS.items():
        found = sub.choices.get(name)
        if found is None:
            # Not being run: listed for --help and the choices without importing its module.
            sub.add_parser(name, help=cmd.purpose, add_help=False)
            continue
        found.description = found.description or _sentence(cmd.purpose)
        found.epilog = found.epilog or f"Example: front-counter {cmd.example}"
        _describe_leaves(name, found)
    return parser


class _VersionAction(argparse.Action):
    """`--version`: the release and its schema revision (computed only when asked)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=str(kwargs.get("help", "")))

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        from services.release import version_text

        print(version_text())
        parser.exit()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _describe_leaves(name: str, parser: argparse.ArgumentParser) -> None:
    """Give each subcommand its help line as a description, and an example, where it has none."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help for a in action._choices_actions}
        for leaf, sub in action.choices.items():
            sub.description = sub.description or _sentence(str(helps.get(leaf) or leaf))
            example = LEAF_EXAMPLES.get((name, leaf), f"{name} {leaf}")
            sub.epilog = sub.epilog or f"Example: front-counter {example}"


def _register(module: object, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    module.register(sub)  # type: ignore[attr-defined]  # every command module has register()
    admin = getattr(module, "register_admin", None)
    if admin is not None:
        admin(sub)
    if module.__name__ == "console.gui":  # type: ignore[attr-defined]
        desktop = sub.add_parser("gui", help=COMMANDS["gui"].purpose)
        desktop.set_defaults(run=None)


def main(argv: Sequence[str] | None = None) -> int:
    startup_gc.pause()  # until the command runs, or the desktop shows its first rows
    try:
        return _main(argv)
    finally:
        startup_gc.resume()


def _main(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words)
    args = parser.parse_args(words)
    desktop = getattr(args, "run", None) is None
    try:
        if getattr(args, "no_database", False):
            # Commands about the installation itself (`config show`) need no database.
            startup_gc.resume()
            return int(args.run(None, None, args))
        url = settings.database_url(args.db)
    except ConfigError as exc:  # a configuration file that cannot be used, or a locked --db
        return _error(str(exc), desktop)
    refusal = missing_database(args, url)
    if refusal:
        return _error(refusal, desktop)
    from sqlalchemy.exc import DBAPIError

    from services.errors import KnownError
    from services.store.faults import database_fault

    try:
        if desktop:
            from console import gui

            return gui.launch(args)
        return _run_command(args, url)
    except (KnownError, ConfigError) as exc:
        return _error(str(exc), desktop)
    except DBAPIError as exc:
        fault = database_fault(exc, url)
        if fault is None:
            raise  # not the database's own fault: a bug, keep its traceback
        return _error(str(fault), desktop)


def missing_database(args: argparse.Namespace, url: str) -> str | None:
    """Why a named SQLite file that does not exist is not opened; None when it may be.

    A mistyped path used to create an empty database and make the caller its admin.
    Only the default file in the user data folder, `db upgrade` and `--create` create one.
    """
    path = settings.sqlite_path(url)
    if path is None or path.exists() or path == settings.default_db_path().resolve():
        return None
    if args.create or getattr(args, "db_command", None) in ("upgrade", "restore"):
        return None
    source = "--db" if args.db else f"${settings.DB.env}"
    return (
        f"no database at {path} ({source}). Check the path; to start a new one there, "
        f"run `front-counter --db {path} db upgrade` or add --create."
    )


def _run_command(args: argparse.Namespace, url: str) -> int:
    from sqlalchemy.exc import OperationalError

    from console.context import open_context
    from services.store.faults import database_fault
    from services.workspace.users import resolve_actor

    try:
        # `db restore` wants its target empty, `db backup` copies whatever schema it finds.
        ctx = open_context(url, settings.timezone_name(), not getattr(args, "no_migrate", False))
    except OperationalError as exc:
        if database_fault(exc, url) is not None:
            raise
        return _error(f"cannot open the database: {exc.orig}")
    try:
        actor = None
        if not getattr(args, "no_actor", False):
            actor = resolve_actor(ctx.factory, settings.acting_user(args.user))
        startup_gc.resume()
        return int(args.run(ctx, actor, args))
    finally:
        ctx.close()


def _error(message: str, desktop: bool = False) -> int:
    print(f"error: {message}", file=sys.stderr)
    if desktop:
        from console import gui

        try:
            gui.tell_start_failure(message)
        except Exception as exc:  # the window is a courtesy: the reason is already on stderr
            print(f"(the window that says so could not open: {exc})", file=sys.stderr)
    return 1
