"""Report commands: the weekly report (PDF, CSV, HTML), its schedule, and the SLA policy."""

from __future__ import annotations

import argparse
from datetime import datetime, time
from pathlib import Path

from console import commands_sla
from console.context import AppContext, report_renderer
from services.errors import InvalidInput
from services.reports import schedule
from services.reports.week import last_full_week, parse_week
from services.store.models import utcnow
from services.worker import write_weekly
from services.workspace.actor import Actor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="the weekly engagement report")
    rsub = p.add_subparsers(dest="report_command", required=True)
    w = rsub.add_parser("weekly", help="write the weekly report")
    w.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: the last full week)")
    w.add_argument("--format", default="pdf,csv,html", help="any of pdf,csv,html (default: all)")
    w.add_argument("--out", type=Path, default=Path("."), help="folder to write into")
    w.add_argument(
        "--as-of", help="count events up to this local time (default: the end of the week)"
    )
    w.set_defaults(run=cmd_weekly)
    sch = rsub.add_parser(
        "schedule", help="have the sync worker write last week's report every week"
    )
    sch.add_argument("--folder", required=True, type=Path)
    sch.add_argument("--weekday", type=int, default=0, help="0 = Monday (default)")
    sch.add_argument("--at", default="07:00", help="local time, HH:MM (default 07:00)")
    sch.add_argument("--format", default="pdf,csv")
    sch.set_defaults(run=cmd_schedule)

    commands_sla.register(sub)  # the SLA policy, its timers and notices (console/commands_sla.py)


def _formats(text: str) -> set[str]:
    formats = {f.strip().lower() for f in text.split(",") if f.strip()}
    if not formats or not formats <= set(schedule.FORMATS):
        raise InvalidInput(f"--format takes some of {','.join(schedule.FORMATS)}")
    return formats


def cmd_weekly(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    week = parse_week(args.week, ctx.tz) if args.week else last_full_week(utcnow(), ctx.tz)
    as_of = None
    if args.as_of:
        try:
            as_of = datetime.fromisoformat(args.as_of).replace(tzinfo=ctx.tz)
        except ValueError:
            raise InvalidInput("--as-of takes a local time: YYYY-MM-DDTHH:MM") from None
    render = report_renderer()
    for path in write_weekly(ctx.factory, render, week, args.out, _formats(args.format), as_of):
        print(path)
    return 0


def cmd_schedule(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    try:
        at = time.fromisoformat(args.at)
    except ValueError:
        raise InvalidInput("--at takes HH:MM") from None
    schedule.set_schedule(
        ctx.factory,
        actor,
        schedule.Schedule(
            str(args.folder.resolve()), args.weekday, at, tuple(sorted(_formats(args.format)))
        ),
    )
    print(
        f"the worker writes last week's report to {args.folder} on weekday {args.weekday} after {args.at}"
    )
    return 0
