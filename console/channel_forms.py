"""`channel add KIND`, `channel edit`, `channel pause|resume`: options built from services' declarations.

Each kind's options are its fields in services/channels/forms.py, the same list
the desktop's Channels dialog draws its form from. Secret fields are never
options: they are asked without echo or, with --secret-stdin, read from standard
input, one line each, in the order the kind declares them.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from console.context import AppContext
from services.channels import admin as channels_admin
from services.channels import forms
from services.channels import setup as channels_setup
from services.errors import InvalidInput
from services.workspace import secrets
from services.workspace.actor import Actor

_EVERY_HELP = "poll interval in seconds (default 300)"


def _option(parser: argparse.ArgumentParser, f: forms.Field, *, for_edit: bool = False) -> None:
    default = None if for_edit else (f.default or None)
    parser.add_argument(
        f.option,
        dest=f.name,
        choices=f.choices or None,
        default=default,
        metavar=f.metavar,
        help=f.help + (" (required)" if f.required and not for_edit else ""),
    )


def register(csub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = csub.add_parser("add", help="connect a channel (admins only)")
    kinds = add.add_subparsers(dest="kind", required=True, metavar="KIND")
    for spec in forms.FORMS.values():
        p = kinds.add_parser(spec.kind, help=spec.summary, description=spec.summary)
        p.add_argument("--name", required=True)
        for f in spec.settings:
            _option(p, f)
        asked = ", ".join(f.label.lower() for f in spec.secrets)
        p.add_argument(
            "--secret-stdin",
            action="store_true",
            help=f"read the secrets ({asked}) from standard input, one line each, in this order",
        )
        p.add_argument("--every", type=int, default=300, help=_EVERY_HELP)
        p.set_defaults(run=cmd_channel_add)

    edit = csub.add_parser(
        "edit", help="change a channel's settings or replace its secret (admins only)"
    )
    edit.add_argument("name")
    seen: set[str] = set()
    for spec in forms.FORMS.values():
        for f in spec.settings:
            if f.name not in seen:
                seen.add(f.name)
                _option(edit, f, for_edit=True)
    edit.add_argument(
        "--secret-stdin",
        action="store_true",
        help="replace the secrets: read them from standard input as `channel add` does",
    )
    edit.add_argument("--every", type=int, help=_EVERY_HELP)
    edit.set_defaults(run=cmd_channel_edit)

    for verb, text in (("pause", "stop polling and sending"), ("resume", "poll and send again")):
        p = csub.add_parser(verb, help=f"{text} on a channel (admins only)")
        p.add_argument("name")
        p.set_defaults(run=cmd_channel_pause if verb == "pause" else cmd_channel_resume)


def _read_secrets(spec: forms.KindForm, values: dict[str, str], from_stdin: bool) -> None:
    """The kind's secrets that apply, into `values`; a required one left empty is refused."""
    wanted = [f for f in spec.secrets if f.applies(values)]
    if not wanted:
        return
    secrets.backend()  # say "no keyring" before asking for anything
    for f in wanted:
        typed = (
            sys.stdin.readline().strip()
            if from_stdin
            else getpass.getpass(f"{f.label}{'' if f.required else ' (empty: none)'}: ")
        )
        if f.required and not typed:
            raise InvalidInput(f"no {f.label.lower()} given")
        values[f.name] = typed


def cmd_channel_add(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    spec = forms.form(args.kind)
    values = {f.name: getattr(args, f.name) or "" for f in spec.settings}
    forms.prepare(args.kind, args.name, values, editing=True)  # refuse missing options first
    _read_secrets(spec, values, args.secret_stdin)
    view = channels_setup.connect(ctx.factory, actor, args.kind, args.name, values, args.every)
    print(f"added channel {view.name} ({view.kind})")
    return 0


def cmd_channel_edit(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    current = channels_setup.settings(ctx.factory, args.name)
    spec = forms.form(current.kind)
    names = {f.name for spec_ in forms.FORMS.values() for f in spec_.settings}
    values = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    if args.secret_stdin:
        typed = {**current.values, **values}
        _read_secrets(spec, typed, True)
        values.update({f.name: typed[f.name] for f in spec.secrets if typed.get(f.name)})
    view = channels_setup.edit(ctx.factory, actor, args.name, values, args.every)
    print(f"changed channel {view.name} ({view.kind})")
    return 0


def cmd_channel_pause(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    channels_admin.set_enabled(ctx.factory, actor, args.name, False)
    print(f"paused channel {args.name}: nothing is polled or sent until `channel resume`")
    return 0


def cmd_channel_resume(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    channels_admin.set_enabled(ctx.factory, actor, args.name, True)
    print(f"resumed channel {args.name}")
    return 0
