"""`hours`: staffed hours, each channel's out-of-hours acknowledgement, the on-call supervisor, pages."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.context import AppContext
    from services.workspace.actor import Actor

_EXAMPLE_TEXT = (
    "We are not monitoring this page right now. If you are in danger call 999; "
    "otherwise call {non_emergency} or report online."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "hours",
        help="staffed hours, out-of-hours acknowledgements and on-call pages",
        description="When the desk is staffed. Outside those hours the sync worker sends each "
        "channel's acknowledgement (where switched on) once per person per night or weekend, "
        "through the review policy and the outbox, and pages the on-call supervisor instead "
        "for items flagged urgent.",
    )
    hsub = p.add_subparsers(dest="hours_command", required=True)

    show = hsub.add_parser(
        "show", help="the staffed hours, whether the desk is staffed now, who is on call"
    )
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=cmd_show)

    st = hsub.add_parser(
        "set",
        help="set the staffed hours (admins)",
        description="Set the days and the daily window the desk is staffed, in a time zone, "
        "with whole-day holidays. The window ends the same day it starts.",
        epilog="Example: front-counter hours set --days mon-fri --from 08:00 --to 18:00 "
        "--holiday 2026-12-25 --holiday 2026-12-28",
    )
    st.add_argument("--days", required=True, help="e.g. mon-fri or mon-fri,sat")
    st.add_argument("--from", dest="start", required=True, metavar="HH:MM")
    st.add_argument("--to", dest="end", required=True, metavar="HH:MM")
    st.add_argument("--tz", help="time zone (default: the workspace's, e.g. Europe/London)")
    st.add_argument(
        "--holiday", action="append", default=[], metavar="YYYY-MM-DD", help="repeatable"
    )
    st.set_defaults(run=cmd_set)

    clear = hsub.add_parser(
        "clear",
        help="forget the staffed hours: nothing is acknowledged or paged out of hours (admins)",
        epilog="Example: front-counter hours clear",
    )
    clear.set_defaults(run=cmd_clear)

    ack = hsub.add_parser(
        "ack",
        help="switch a channel's out-of-hours acknowledgement on or off (admins)",
        description="The text may use the saved-reply placeholders: {name}, {full_name}, "
        "{non_emergency}, {force}, {reference}. Without --text, the channel's last text is kept.",
        epilog=f"Example: front-counter hours ack 'Force Facebook' --on --text '{_EXAMPLE_TEXT}'",
    )
    ack.add_argument("channel", metavar="CHANNEL")
    onoff = ack.add_mutually_exclusive_group(required=True)
    onoff.add_argument("--on", action="store_true")
    onoff.add_argument("--off", action="store_true")
    ack.add_argument("--text")
    ack.set_defaults(run=cmd_ack)

    oc = hsub.add_parser(
        "on-call",
        help="who is paged for urgent items out of hours (admins)",
        epilog="Example: front-counter hours on-call g.okafor",
    )
    who = oc.add_mutually_exclusive_group(required=True)
    # Not `user`: that is the global --user (who acts), which this must not overwrite.
    who.add_argument("person", nargs="?", metavar="USER", help="a supervisor or admin")
    who.add_argument("--none", action="store_true", help="nobody is on call")
    oc.set_defaults(run=cmd_on_call)

    pages = hsub.add_parser(
        "pages",
        help="urgent items that paged the on-call supervisor, newest first",
        epilog="Example: front-counter hours pages --limit 20",
    )
    pages.add_argument("--limit", type=int, default=50)
    pages.add_argument("--json", action="store_true")
    pages.set_defaults(run=cmd_pages)


def cmd_show(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from console.output import print_json, print_table
    from services.desk import out_of_hours_admin
    from services.store.models import utcnow

    config = out_of_hours_admin.current(ctx.factory)
    now = utcnow()
    hours = config.hours
    state: dict[str, Any] = {"staffed_now": None, "period_start": None, "next_staffed": None}
    if hours is not None:
        staffed = hours.is_staffed(now)
        state = {
            "staffed_now": staffed,
            "period_start": None if staffed else hours.period_start(now),
            "next_staffed": None if staffed else hours.next_staffed(now),
        }
    if args.json:
        print_json(
            {
                "hours": hours.to_value() if hours else None,
                **state,
                "on_call": config.on_call,
                "acknowledgements": [asdict(a) for a in config.acks],
            }
        )
        return 0
    if hours is None:
        print("staffed hours: not set (never out of hours: nothing is acknowledged or paged)")
    else:
        print(f"staffed hours: {hours.describe()}")
        if state["staffed_now"]:
            print("now: staffed")
        else:
            since, until = state["period_start"], state["next_staffed"]
            until_text = f"{until.astimezone(ctx.tz):%a %d %b %H:%M}" if until else "not planned"
            print(
                f"now: out of hours since {since.astimezone(ctx.tz):%a %d %b %H:%M}, staffed again {until_text}"
            )
    print(f"on call: {config.on_call or 'nobody (urgent items out of hours page nobody)'}")
    if not config.acks:
        print("acknowledgements: none set up (`hours ack CHANNEL --on --text TEXT`)")
        return 0
    print_table(
        ["CHANNEL", "ACK", "TEXT"],
        [[a.channel, "on" if a.on else "off", a.text] for a in config.acks],
    )
    return 0


def cmd_set(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from datetime import date, time

    from services.desk import out_of_hours_admin
    from services.desk.staffed_hours import StaffedHours, parse_days, zone
    from services.errors import InvalidInput

    try:
        start, end = time.fromisoformat(args.start), time.fromisoformat(args.end)
    except ValueError:
        raise InvalidInput("--from and --to take HH:MM, e.g. 08:00") from None
    try:
        holidays = frozenset(date.fromisoformat(d) for d in args.holiday)
    except ValueError:
        raise InvalidInput("--holiday takes a date, YYYY-MM-DD") from None
    tz = zone(args.tz) if args.tz else ctx.tz
    hours = StaffedHours(parse_days(args.days), start, end, tz, holidays)
    out_of_hours_admin.set_hours(ctx.factory, actor, hours)
    print(f"staffed hours: {hours.describe()}")
    return 0


def cmd_clear(ctx: AppContext, actor: Actor, _args: argparse.Namespace) -> int:
    from services.desk import out_of_hours_admin

    out_of_hours_admin.set_hours(ctx.factory, actor, None)
    print("staffed hours cleared: nothing is acknowledged or paged out of hours")
    return 0


def cmd_ack(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import out_of_hours_admin

    ack = out_of_hours_admin.set_ack(
        ctx.factory, actor, args.channel, bool(args.on), args.text, registry=ctx.registry
    )
    if ack.on:
        print(f"{ack.channel}: out-of-hours acknowledgement on, written by "
              f"'{out_of_hours_admin.SYSTEM_DISPLAY_NAME}': {ack.text}")  # fmt: skip
    else:
        print(f"{ack.channel}: out-of-hours acknowledgement off")
    return 0


def cmd_on_call(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import out_of_hours_admin

    user = out_of_hours_admin.set_on_call(ctx.factory, actor, None if args.none else args.person)
    print(f"on call: {user or 'nobody'}")
    return 0


def cmd_pages(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    from console.output import print_json, print_table
    from services.desk import out_of_hours

    found = out_of_hours.pages(ctx.factory, args.limit)
    if args.json:
        print_json(found)
        return 0
    if not found:
        print("no on-call pages")
        return 0
    print_table(
        ["PAGED", "ITEM", "CHANNEL", "TO", "STATUS"],
        [
            [
                f"{p.paged_at.astimezone(ctx.tz):%d %b %Y %H:%M}",
                str(p.item_id),
                p.channel,
                p.to or "nobody on call",
                p.item_status,
            ]
            for p in found
        ],
    )
    return 0
