"""`ref`: link an item, its thread or a contact to the force's incident, crime or intelligence references."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.desk.references import Subject
    from services.workspace.actor import Actor

KIND_CHOICES = ["incident", "cad", "crime", "intelligence"]


def _subject_arguments(p: argparse.ArgumentParser, with_value: bool = False) -> None:
    # Flags, not options with a value: `ref add --thread 42 --kind crime WS/1` then parses
    # 42 and WS/1 as two positionals (argparse cannot put an optional ITEM before a value).
    p.add_argument(
        "target", type=int, metavar="ITEM", help="the item (a contact id with --contact)"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--thread", action="store_true", help="the whole thread of ITEM")
    which.add_argument(
        "--contact", action="store_true", help="ITEM is a contact id: all they wrote"
    )
    if with_value:
        p.add_argument("value", metavar="REFERENCE", help="quote a reference holding spaces")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "ref",
        help="crime, incident and intelligence references on items, threads and contacts",
        description="Link an item, its whole thread or a contact to the force's references: "
        "an incident/CAD log, a crime number or an intelligence report. Search them with "
        "ref:VALUE or ref:crime.",
        epilog="Example: front-counter ref add 42 --kind crime WS/2026/12345",
    )
    rsub = p.add_subparsers(dest="ref_command", required=True)

    add = rsub.add_parser(
        "add",
        help="link a reference (officers and above)",
        description="Link a reference to an item, the thread of an item (--thread ITEM) or a "
        "contact (--contact ID). A value is 1 to 64 letters, digits, spaces and / - . _ : #, "
        "with at least one digit.",
        epilog="Example: front-counter ref add --thread 42 --kind incident 'CAD 0412 29/11'",
    )
    _subject_arguments(add, with_value=True)
    add.add_argument("--kind", required=True, choices=KIND_CHOICES, help="cad = incident")
    add.set_defaults(run=cmd_add)

    rm = rsub.add_parser(
        "remove",
        help="remove a reference, with a reason",
        description="Remove a reference from an item, a thread or a contact; the reason is "
        "recorded in the audit trail.",
        epilog="Example: front-counter ref remove 42 WS/2026/12345 --reason 'typed on the wrong item'",
    )
    _subject_arguments(rm, with_value=True)
    rm.add_argument("--kind", choices=KIND_CHOICES, help="only a reference of this kind")
    rm.add_argument("--reason", required=True, help="why it is removed")
    rm.set_defaults(run=cmd_remove)

    ls = rsub.add_parser(
        "list",
        help="the references that apply to an item (its own, its thread's, its contact's)",
        description="List the references on an item, its thread and its contact; with --thread "
        "or --contact, those on the thread or contact only.",
        epilog="Example: front-counter ref list 42 --all",
    )
    _subject_arguments(ls)
    ls.add_argument("--all", action="store_true", help="also references since removed")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_list)


def _subject(ctx: AppContext, args: argparse.Namespace) -> Subject:
    from services.desk.references import Subject, thread_of

    if args.thread:
        return thread_of(ctx.factory, args.target)
    return Subject("contact" if args.contact else "item", args.target)


def cmd_add(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import references

    subject, value = _subject(ctx, args), args.value
    ref = references.add_reference(ctx.factory, actor, subject, args.kind, value)
    print(f"{subject}: {ref.label} linked")
    return 0


def cmd_remove(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import references

    subject, value = _subject(ctx, args), args.value
    n = references.remove_reference(ctx.factory, actor, subject, value, args.reason, args.kind)
    print(f"{subject}: {n} reference(s) removed")
    return 0


def cmd_list(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    from console.output import print_json, print_table
    from services.desk import references

    if not args.thread and not args.contact:
        found = references.list_for_item(ctx.factory, args.target, args.all)
    else:
        found = references.list_for_subject(ctx.factory, _subject(ctx, args), args.all)
    if args.json:
        print_json(found)
        return 0
    print_table(
        ["KIND", "REFERENCE", "ON", "ADDED", "BY", "REMOVED"],
        [
            [
                r.kind,
                r.value,
                f"{r.subject_type} {r.subject_id}",
                f"{r.added_at.astimezone(ctx.tz):%d %b %Y %H:%M}",
                r.added_by or "—",
                f"{r.removed_at.astimezone(ctx.tz):%d %b %Y} ({r.remove_reason})"
                if r.removed_at
                else "",
            ]
            for r in found
        ],
    )
    return 0
