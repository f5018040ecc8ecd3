"""The `sla` command: the SLA policy's three targets per channel and tag, holidays, notices."""

from __future__ import annotations

import argparse
from datetime import date, time
from typing import Any

from console.context import AppContext
from services.desk import sla_notices, sla_policy
from services.errors import InvalidInput, NotFound
from services.workspace.actor import Actor


def _target_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hours", type=float, help="first response within this many hours")
    p.add_argument(
        "--update-hours",
        help="a reply due this many hours after the public writes again ('none': off)",
    )
    p.add_argument("--resolution-hours", help="the item done within this many hours ('none': off)")
    esc = p.add_mutually_exclusive_group()
    esc.add_argument("--auto-escalate-team", metavar="TEAM", help="escalate to this team on breach")
    esc.add_argument(
        "--auto-escalate-user", metavar="USER", help="escalate to this person on breach"
    )
    esc.add_argument("--no-auto-escalate", action="store_true", help="stop escalating on breach")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sla", help="the SLA policy: first response, update and resolution targets")
    ssub = p.add_subparsers(dest="sla_command", required=True)
    ssub.add_parser("show", help="the policies, calendar and holidays").set_defaults(run=cmd_show)
    st = ssub.add_parser("set", help="set the default policy (admins)")
    _target_options(st)
    st.add_argument(
        "--business-hours",
        help="count only working time, e.g. 08:00-18:00 (Monday–Friday); 'none': around the clock",
    )
    st.set_defaults(run=cmd_set)
    for scope, what in (("channel", "a channel"), ("tag", "items with a tag")):
        sp = ssub.add_parser(scope, help=f"the policy for {what} (a tag's wins over a channel's)")
        sp.add_argument("name")
        _target_options(sp)
        sp.add_argument("--remove", action="store_true", help="back to the default policy")
        sp.set_defaults(run=cmd_scoped, scope=scope)
    h = ssub.add_parser("holiday", help="days the business-hours clock stops")
    h.add_argument("action", choices=("add", "remove"))
    h.add_argument("days", nargs="+", metavar="YYYY-MM-DD")
    h.set_defaults(run=cmd_holiday)
    n = ssub.add_parser("notices", help="SLA warnings and breaches sent to a person")
    n.add_argument("--user", help="whose (default: you)")
    n.add_argument("--json", action="store_true")
    n.set_defaults(run=cmd_notices)


def _hours(text: str | None) -> float | None:
    try:
        return None if text is None or text.lower() == "none" else float(text)
    except ValueError:
        raise InvalidInput("hours take a number, or 'none' to switch the timer off") from None


def _changes(actor: Actor, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.hours is not None:
        out["target_hours"] = args.hours
    for key, opt in (
        ("update_hours", args.update_hours),
        ("resolution_hours", args.resolution_hours),
    ):
        if opt is not None:
            out[key] = _hours(opt)
    if args.auto_escalate_team or args.auto_escalate_user:
        who = (
            {"team": args.auto_escalate_team}
            if args.auto_escalate_team
            else {"user": args.auto_escalate_user}
        )
        out["auto_escalate"] = {**who, "by": actor.id}
    elif args.no_auto_escalate:
        out["auto_escalate"] = None
    return out


def _print(policy: sla_policy.PolicySet) -> None:
    for line in sla_policy.describe(policy):
        print(line)


def cmd_show(ctx: AppContext, _actor: Actor, _args: argparse.Namespace) -> int:
    with ctx.factory() as session:
        _print(sla_policy.load(session))
    return 0


def cmd_set(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    changes = _changes(actor, args)
    if args.business_hours:
        if args.business_hours.lower() == "none":
            changes["business_hours"] = None
        else:
            try:
                start, end = (time.fromisoformat(v) for v in args.business_hours.split("-"))
            except ValueError:
                raise InvalidInput("--business-hours takes HH:MM-HH:MM, e.g. 08:00-18:00") from None
            if end <= start:
                raise InvalidInput("business hours must end after they start")
            changes["business_hours"] = {
                "start": start.isoformat("minutes"),
                "end": end.isoformat("minutes"),
                "weekdays": [0, 1, 2, 3, 4],
            }
    if not changes:
        raise InvalidInput("say what to change: --hours, --update-hours, --resolution-hours, ...")
    _print(
        sla_policy.change(
            ctx.factory, actor, lambda v: sla_policy.with_targets(v, None, None, changes)
        )
    )
    return 0


def cmd_scoped(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    scope = "channels" if args.scope == "channel" else "tags"
    key = args.name
    if scope == "channels":
        from services.store.models import Channel

        with ctx.factory() as session:
            cid = session.query(Channel.id).filter(Channel.name == args.name).scalar()
        if cid is None:
            raise NotFound(f"no channel named {args.name!r}")
        key = str(cid)
    if args.remove:
        policy = sla_policy.change(
            ctx.factory, actor, lambda v: sla_policy.without_scope(v, scope, key)
        )
    else:
        changes = _changes(actor, args)
        if not changes:
            raise InvalidInput(
                "say what to change: --hours, --update-hours, --resolution-hours, ..."
            )
        policy = sla_policy.change(
            ctx.factory, actor, lambda v: sla_policy.with_targets(v, scope, key, changes)
        )
    _print(policy)
    return 0


def cmd_holiday(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    try:
        days = [date.fromisoformat(d) for d in args.days]
    except ValueError:
        raise InvalidInput("holidays are dates: YYYY-MM-DD") from None
    add, remove = (days, []) if args.action == "add" else ([], days)
    _print(
        sla_policy.change(ctx.factory, actor, lambda v: sla_policy.with_holidays(v, add, remove))
    )
    return 0


def cmd_notices(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from console.output import print_json
    from services.store.models import User

    user_id = actor.id
    if args.user:
        with ctx.factory() as session:
            found = session.query(User.id).filter(User.name == args.user).scalar()
        if found is None:
            raise NotFound(f"no user named {args.user!r}")
        user_id = int(found)
    notices = sla_notices.notices_for(ctx.factory, user_id)
    if args.json:
        print_json(notices)
        return 0
    for n in notices:
        print(
            f"{n.created_at.astimezone(ctx.tz):%Y-%m-%d %H:%M}  {n.text}"
            + ("  (escalated)" if n.escalated else "")
        )
    if not notices:
        print("no SLA notices")
    return 0
