"""Channel commands: add, list, test, remove; the sync worker; moderation on the source."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from contextlib import nullcontext
from datetime import datetime

from console import channel_forms, platform_os
from console.context import AppContext, report_renderer
from console.output import age, clip, print_json, print_table
from services.channels import admin as channels_admin
from services.channels import moderation, quarantine
from services.channels import setup as channels_setup
from services.channels.sync import SyncEngine
from services.worker import Emit, Worker, WorkerOptions
from services.worker_events import WorkerEvent, WorkerStopped, to_json
from services.workspace.actor import Actor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("channel", help="connect and manage channels")
    csub = p.add_subparsers(dest="channel_command", required=True)
    channel_forms.register(csub)  # add KIND, edit, pause, resume: from services' field lists
    ls = csub.add_parser("list", help="channels with their state")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_channel_list)
    test = csub.add_parser("test", help="check a channel can authenticate and read")
    test.add_argument("name")
    test.set_defaults(run=cmd_channel_test)
    held = csub.add_parser(
        "quarantine", help="items a channel received that could not be stored, with the reason"
    )
    held.add_argument("name")
    held.add_argument("--json", action="store_true")
    held.set_defaults(run=cmd_channel_quarantine)
    rm = csub.add_parser("remove", help="remove a channel, its items and its secret")
    rm.add_argument("name")
    rm.set_defaults(run=cmd_channel_remove)

    p = sub.add_parser("sync", help="fetch new items and send approved replies")
    p.add_argument("--channel", action="append", help="only this channel (repeatable)")
    p.add_argument("--watch", action="store_true", help="keep polling until Ctrl+C or SIGTERM")
    p.add_argument(
        "--reconcile", action="store_true", help="also re-check edits, moderation and deletions"
    )
    p.add_argument("--progress", action="store_true", help="print JSON progress lines")
    p.add_argument(
        "--exit-with-parent",
        nargs="?",
        type=int,
        action=_RecordParent,
        metavar="PID",
        help="stop when the process that started us (the desktop, PID) ends: the desktop's child worker",
    )
    p.set_defaults(run=cmd_sync, no_actor=True)

    p = sub.add_parser(
        "moderate", help="moderate an item on its platform (approve, hold, spam, trash)"
    )
    p.add_argument("id", type=int)
    p.add_argument("action")
    p.set_defaults(run=cmd_moderate)


def cmd_channel_list(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    rows = channels_admin.list_channels(ctx.factory)
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["NAME", "KIND", "STATE", "LAST SUCCESS", "QUARANTINED", "REASON"],
        [
            [
                c.name,
                c.kind,
                c.state if c.enabled else "disabled",
                _ago(c.last_success_at) if c.last_success_at else "never",
                str(c.quarantined) if c.quarantined else "",
                c.state_reason or "",
            ]
            for c in rows
        ],
    )
    return 0


def _ago(when: datetime) -> str:
    text = age(when)
    return text if text == "now" else f"{text} ago"


def cmd_channel_quarantine(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    rows = quarantine.list_quarantined(ctx.factory, args.name)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print(f"{args.name}: no items in quarantine")
        return 0
    print_table(
        ["EXTERNAL ID", "ATTEMPTS", "FIRST SEEN", "LAST TRIED", "REASON"],
        [
            [
                clip(r.external_id, 40),
                str(r.attempts),
                _ago(r.first_seen_at),
                _ago(r.last_seen_at),
                r.reason,
            ]
            for r in rows
        ],
    )
    return 0


def cmd_channel_test(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    for line in channels_setup.test(ctx.factory, args.name, registry=ctx.registry):
        print(f"{args.name}: {line}")
    return 0


def cmd_channel_remove(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    channels_admin.remove_channel(ctx.factory, actor, args.name)
    print(f"removed channel {args.name}")
    return 0


def _printer(progress: bool) -> Emit:
    """With --progress every event as a JSON line (the desktop reads them); else the readable ones."""
    lock = threading.Lock()  # channels sync on several threads: lines must not interleave

    def emit(event: WorkerEvent) -> None:
        line = to_json(event) if progress else event.text()
        if line is not None:
            with lock:
                print(line, flush=True)

    return emit


class _RecordParent(argparse.Action):
    """`--exit-with-parent [PID]`: the parent is fixed while the command line is parsed.

    The desktop names itself; without a PID the parent is read now, before the database is
    opened, so a desktop that dies while we start up is noticed instead of outlived.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        setattr(
            namespace, self.dest, values if isinstance(values, int) else platform_os.parent_pid()
        )


# After a stop request, the longest the worker may take to end (SIGTERM to exit: under 5 s).
STOP_GRACE = 3.0


def _end_soon(emit: Emit) -> None:
    """Backstop once asked to stop: whatever still blocks (DNS, a locked database), exit anyway.

    Ending mid-write is what a kill -9 does, which sync and outbox are built to survive.
    """

    def leave() -> None:
        emit(WorkerStopped(forced=True))
        os._exit(0)

    timer = threading.Timer(STOP_GRACE, leave)
    timer.daemon = True
    timer.start()


def _watch_parent(parent: int, stop: threading.Event, emit: Emit) -> None:
    def watch() -> None:
        while not stop.wait(0.5):
            if not platform_os.parent_alive(parent):
                stop.set()  # the desktop that started us is gone: do not poll on as an orphan
                _end_soon(emit)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def cmd_sync(ctx: AppContext, _actor: Actor | None, args: argparse.Namespace) -> int:
    parent = args.exit_with_parent  # recorded while parsing (_RecordParent)
    stop = threading.Event()
    emit = _printer(args.progress)

    def on_stop() -> None:
        if not stop.is_set():
            stop.set()
            _end_soon(emit)

    platform_os.on_stop_request(on_stop)  # SIGTERM/SIGINT on POSIX, Ctrl+C/Ctrl+Break on Windows
    if parent is not None:
        _watch_parent(parent, stop, emit)
    worker = Worker(ctx.factory, ctx.engine, ctx.registry, ctx.tz, emit, report_renderer())
    from services.store.worker_lock import single_worker

    # One watching worker per workspace: a second one waits (and says so on stderr).
    with single_worker(ctx.engine, stop, _say) if args.watch else nullcontext(True) as held:
        if not held:
            return 0
        return worker.run(
            WorkerOptions(args.channel, args.watch, args.reconcile),
            stop,
            parent_alive=lambda: parent is None or platform_os.parent_alive(parent),
        )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_moderate(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    engine = SyncEngine(ctx.factory, ctx.registry)
    moderation.moderate_now(ctx.factory, actor, args.id, args.action, engine.connector_for)
    print(f"#{args.id}: {args.action} done on the source")
    return 0
