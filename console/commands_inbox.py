"""Inbox commands: list, show, and the triage actions (tag, assign, status, escalate, note)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.workspace.actor import Actor

# Kept in step with services.store.models.Status by tests/e2e/test_cli_startup.py.
STATUSES = ("open", "pending", "snoozed", "done", "spam", "new")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("inbox", help="list items matching a search (default: the open inbox)")
    p.add_argument("query", nargs="*", help='search, e.g. tag:urgent "no reply" -status:spam')
    p.add_argument("--all", action="store_true", help="every item, not only new and open ones")
    p.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_inbox)

    p = sub.add_parser("item", help="show one item")
    isub = p.add_subparsers(dest="item_command", required=True)
    show = isub.add_parser(
        "show",
        help="the item in its thread with notes and audit trail",
        description="Show one item in its thread, with replies, notes, escalations and audit trail.",
        epilog="Example: front-counter item show 42 --json",
    )
    show.add_argument("id", type=int, metavar="ITEM")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=cmd_item_show)
    from console import commands_attachments  # `item attachments`, `item attachment`

    commands_attachments.register(isub)
    from console import commands_welfare  # `item distressing`

    commands_welfare.register(isub)

    for name, help_text in (("tag", "add a tag to items"), ("untag", "remove a tag from items")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("tag")
        p.add_argument("ids", type=int, nargs="+", metavar="ITEM")
        p.set_defaults(run=cmd_tag if name == "tag" else cmd_untag)

    p = sub.add_parser("assign", help="assign items to a user ('none' unassigns)")
    p.add_argument("user")
    p.add_argument("ids", type=int, nargs="+", metavar="ITEM")
    p.set_defaults(run=cmd_assign)

    p = sub.add_parser("status", help="set the status of items")
    p.add_argument("status", choices=STATUSES)
    p.add_argument("ids", type=int, nargs="+", metavar="ITEM")
    p.add_argument("--until", help="snooze until YYYY-MM-DD[THH:MM] (force's time zone)")
    p.add_argument("--for", dest="for_", help="snooze for a duration: 2h, 3d, 45m")
    p.add_argument("--reason", help="why (needed to close, snooze or spam an urgent item)")
    p.set_defaults(run=cmd_status)

    p = sub.add_parser("escalate", help="escalate items to a person or a team, with a reason")
    p.add_argument("ids", type=int, nargs="+", metavar="ITEM")
    p.add_argument("--reason", required=True)
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", help="user name")
    target.add_argument("--team", help="team name, e.g. 'Professional Standards'")
    p.set_defaults(run=cmd_escalate)

    p = sub.add_parser("resolve", help="resolve an item's open escalations")
    p.add_argument("id", type=int, metavar="ITEM")
    p.add_argument("--resolution", default="")
    p.set_defaults(run=cmd_resolve)

    p = sub.add_parser("note", help="add an internal note (never published) to an item")
    p.add_argument("id", type=int, metavar="ITEM")
    p.add_argument("text")
    p.set_defaults(run=cmd_note)


def cmd_inbox(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from console.output import age, clip, print_json, print_table
    from services.inbox import listing as inbox

    text = " ".join(args.query)
    if not args.all and not any(t.startswith(("is:", "status:")) for t in args.query):
        text = ("is:inbox " + text).strip()
    rows = inbox.first_page(ctx.factory, inbox.Query(text, actor.id, ctx.tz), limit=args.limit)
    if args.json:
        print_json(rows)
        return 0
    now = datetime.now(UTC)
    print_table(
        ["ID", "CHANNEL", "FROM", "AGE", "STATUS", "ASSIGNEE", "TAGS", "TEXT"],
        [
            [
                str(r.id),
                clip(r.channel_name, 20),
                clip(r.author, 22),
                age(r.received_at, now),
                r.status + (" !" if r.escalated else ""),
                r.assignee or "",
                clip(",".join(r.tags), 24),
                clip(r.snippet, 60),
            ]
            for r in rows
        ],
    )
    total = inbox.count(ctx.factory, inbox.Query(text, actor.id, ctx.tz))
    print(f"{len(rows)} of {total} item(s) — {text or 'everything'}", file=sys.stderr)
    return 0


def cmd_item_show(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from console.output import age, clip, print_json
    from services.desk import sla_view  # the three SLA timers: the list's own
    from services.inbox import conversation

    conv = conversation.load(ctx.factory, args.id, registry=ctx.registry)
    clocks = sla_view.item_clocks(ctx.factory, args.id, ctx.tz)
    if args.json:
        print_json({**asdict(conv), "timers": asdict(clocks.timers)})
        return 0
    it = conv.item
    print(f"#{it.id}  {it.channel_name} · {it.kind} · {conv.status}  (version {conv.version})")
    if conv.thread_title:
        print(
            f"Thread: {conv.thread_title}" + (f"  <{conv.thread_url}>" if conv.thread_url else "")
        )
    print(f"From:   {it.author}" + (f" ({it.author_handle})" if it.author_handle else ""))
    print(f"When:   {it.created_at.astimezone(ctx.tz):%a %d %b %Y %H:%M}")
    print(f"Tags:   {', '.join(conv.tags) or '—'}    Assignee: {conv.assignee or '—'}")
    if conv.references:
        on = {"item": "", "thread": " (thread)", "contact": " (contact)"}
        print("Refs:   " + ", ".join(f"{r.label}{on[r.subject_type]}" for r in conv.references))
    from services.desk.risk_view import describe  # the risk flag, explained

    for line in describe(conv.risk):
        print(line)
    for line in sla_view.describe(clocks, datetime.now(UTC), ctx.tz):
        print(line)
    print()
    print(it.body_text)
    if len(conv.thread) > 1:
        print("\n— Thread —")
        for m in conv.thread:
            marker = "▶" if m.id == it.id else ("↩" if m.direction == "outbound" else " ")
            print(f" {marker} #{m.id} {m.author}, {age(m.created_at)} ago: {clip(m.body_text, 80)}")
    for sect, lines in (
        ("Replies", [f" [{r.state}] {r.author}: {clip(r.body, 80)}" for r in conv.replies]),
        (
            "Notes (internal)",
            [f" {n.author}, {age(n.created_at)} ago: {n.body}" for n in conv.notes],
        ),
        (
            "Escalations",
            [
                f" → {e.to} ({'resolved' if e.resolved_at else 'open'}): {e.reason}"
                for e in conv.escalations
            ],
        ),
        (
            "Earlier from this person",
            [f" #{m.id} {m.channel_name}: {clip(m.body_text, 70)}" for m in conv.history],
        ),
        (
            "Audit trail",
            [
                f" {e.at.astimezone(ctx.tz):%d %b %H:%M} {e.actor or 'system'}: {e.action} {e.after or ''}"
                for e in conv.trail
            ],
        ),
    ):
        if lines:
            print(f"\n— {sect} —")
            print("\n".join(lines))
    return 0


def cmd_tag(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.inbox import triage

    triage.tag(ctx.factory, actor, args.ids, args.tag)
    print(f"tagged {len(args.ids)} item(s) {args.tag}")
    return 0


def cmd_untag(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.inbox import triage

    triage.untag(ctx.factory, actor, args.ids, args.tag)
    print(f"removed tag {args.tag} from {len(args.ids)} item(s)")
    return 0


def cmd_assign(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.inbox import triage

    user = None if args.user.lower() in ("none", "nobody") else args.user
    triage.assign(ctx.factory, actor, args.ids, user)
    print(f"assigned {len(args.ids)} item(s) to {user or 'nobody'}")
    return 0


def parse_duration(text: str) -> timedelta:
    from services.errors import InvalidInput

    units = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
    try:
        value, unit = int(text[:-1]), text[-1]
        return timedelta(seconds=value * units[unit])
    except (ValueError, KeyError, IndexError):
        raise InvalidInput(f"'{text}' is not a duration: use e.g. 45m, 2h, 3d, 1w") from None


def _snooze_until(ctx: AppContext, args: argparse.Namespace) -> datetime | None:
    from services.errors import InvalidInput

    if args.for_:
        return datetime.now(UTC) + parse_duration(args.for_)
    if args.until:
        try:
            when = datetime.fromisoformat(args.until)
        except ValueError:
            raise InvalidInput(
                f"'{args.until}' is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
            ) from None
        if len(args.until) == 10:
            when = when.replace(hour=8)
        return when.replace(tzinfo=ctx.tz) if when.tzinfo is None else when
    return None


def cmd_status(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.errors import InvalidInput
    from services.inbox import triage
    from services.store.models import Status

    status = Status(args.status)
    until = _snooze_until(ctx, args)
    if status == Status.SNOOZED and until is None:
        raise InvalidInput("snooze needs --for DURATION or --until DATE")
    triage.set_status(ctx.factory, actor, args.ids, status, until, reason=args.reason)
    print(f"{len(args.ids)} item(s) now {status.value}")
    return 0


def cmd_escalate(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import escalation

    escalation.escalate(
        ctx.factory, actor, args.ids, args.reason, to_user=args.to, to_team=args.team
    )
    print(f"escalated {len(args.ids)} item(s) to {args.to or args.team}")
    return 0


def cmd_resolve(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import escalation

    escalation.resolve(ctx.factory, actor, args.id, args.resolution)
    print(f"escalation on #{args.id} resolved")
    return 0


def cmd_note(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.inbox import triage

    triage.add_note(ctx.factory, actor, args.id, args.text)
    print(f"note added to #{args.id}")
    return 0
