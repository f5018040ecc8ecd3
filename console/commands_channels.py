"""Channel commands: add, list, test, remove; the sync worker; moderation on the source."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from typing import Any

from console.context import AppContext
from console.output import age, clip, print_json, print_table
from services import channels_admin, moderation, outbox, quarantine, secrets, triage
from services.channels.protocol import default_registry
from services.errors import InvalidInput
from services.store.db import ensure_database_file
from services.store.models import Item
from services.sync import SyncEngine
from services.users import Actor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("channel", help="connect and manage channels")
    csub = p.add_subparsers(dest="channel_command", required=True)
    add = csub.add_parser("add", help="connect a channel (admins only)")
    add.add_argument("kind", choices=["wordpress", "feed"])
    add.add_argument("--name", required=True)
    add.add_argument("--url", required=True, help="the site (WordPress) or the feed's address")
    add.add_argument(
        "--login",
        help="WordPress user name (without it, the public comments feed is read), or a "
        "private feed's user name (basic auth); the secret goes to the keyring",
    )
    add.add_argument(
        "--secret-stdin", action="store_true", help="read the secret from standard input"
    )
    add.add_argument(
        "--every", type=int, default=300, help="poll interval in seconds (default 300)"
    )
    add.set_defaults(run=cmd_channel_add)
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


def _read_secret(args: argparse.Namespace, prompt: str) -> str:
    secret = sys.stdin.readline().strip() if args.secret_stdin else getpass.getpass(prompt)
    if not secret:
        raise InvalidInput("no secret given")
    return secret


def cmd_channel_add(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    if args.kind == "wordpress" and args.login:
        secrets.backend()  # say "no keyring" before asking for the password
        secret = _read_secret(args, f"Application password for {args.login}: ")
        view = channels_admin.add_channel(
            ctx.factory,
            actor,
            "wordpress",
            args.name,
            {"url": args.url, "login": args.login},
            secret,
            args.every,
        )
    elif args.kind == "wordpress":
        feed_url = args.url.rstrip("/") + "/comments/feed/"
        view = channels_admin.add_channel(
            ctx.factory,
            actor,
            "feed",
            args.name,
            {"url": feed_url, "wordpress_comments": True},
            None,
            args.every,
        )
    elif args.login:
        secrets.backend()
        secret = _read_secret(args, f"Password for {args.login}: ")
        view = channels_admin.add_channel(
            ctx.factory,
            actor,
            "feed",
            args.name,
            {"url": args.url, "login": args.login},
            secret,
            args.every,
        )
    else:
        view = channels_admin.add_channel(
            ctx.factory, actor, "feed", args.name, {"url": args.url}, None, args.every
        )
    print(f"added channel {view.name} ({view.kind})")
    return 0


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
    view = channels_admin.find_channel(ctx.factory, args.name)
    connector = SyncEngine(ctx.factory, default_registry()).connector_for(view.id)
    try:
        print(f"{view.name}: {connector.test()}")
        address = getattr(connector, "address", None)  # where a WordPress API or feed was found
        if address:
            print(f"{view.name}: using {address}")
    finally:
        connector.close()
    return 0


def cmd_channel_remove(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    channels_admin.remove_channel(ctx.factory, actor, args.name)
    print(f"removed channel {args.name}")
    return 0


def _printer(enabled: bool) -> Any:
    lock = threading.Lock()

    def emit(event: dict[str, Any]) -> None:
        if enabled or event["event"] == "sync_finished":
            with lock:
                if enabled:
                    print(
                        json.dumps(
                            {"at": datetime.now(UTC).isoformat(timespec="seconds"), **event}
                        ),
                        flush=True,
                    )
                else:
                    reason = f" — {event['reason']}" if event.get("reason") else ""
                    print(
                        f"{event['channel']}: {event['state']}, {event['inserted']} new, "
                        f"{event['updated']} updated{reason}",
                        flush=True,
                    )

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
        setattr(namespace, self.dest, values if isinstance(values, int) else os.getppid())


# After a stop request, the longest the worker may take to end (SIGTERM to exit: under 5 s).
STOP_GRACE = 3.0


def _end_soon(progress: bool) -> None:
    """Backstop once asked to stop: whatever still blocks (DNS, a locked database), exit anyway.

    Ending mid-write is what a kill -9 does, which sync and outbox are built to survive.
    """

    def leave() -> None:
        print(
            json.dumps({"event": "stopped", "forced": True})
            if progress
            else "stopped (something was still waiting; the next run picks it up)",
            flush=True,
        )
        os._exit(0)

    timer = threading.Timer(STOP_GRACE, leave)
    timer.daemon = True
    timer.start()


def _watch_parent(parent: int, stop: threading.Event, progress: bool) -> None:
    def watch() -> None:
        while not stop.wait(0.5):
            if os.getppid() != parent:
                stop.set()  # the desktop that started us is gone: do not poll on as an orphan
                _end_soon(progress)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def cmd_sync(ctx: AppContext, _actor: Actor | None, args: argparse.Namespace) -> int:
    parent = args.exit_with_parent  # recorded while parsing (_RecordParent)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        if not stop.is_set():
            stop.set()
            _end_soon(args.progress)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if parent is not None:
        _watch_parent(parent, stop, args.progress)
    engine = SyncEngine(ctx.factory, default_registry(), progress=_printer(args.progress))
    engine.reset_stale_syncing()
    failures = 0
    while True:
        if parent is not None and os.getppid() != parent:
            break  # the desktop that started us is gone: do not poll on as an orphan
        ensure_database_file(ctx.engine)  # raises if the file was deleted or replaced
        ids = engine.channel_ids(args.channel, due_only=args.watch)
        results = engine.sync_many(ids, args.reconcile, stop)
        failures = sum(1 for r in results if r.state != "ok")
        if not stop.is_set():
            sent = outbox.send_pending(ctx.factory, lambda cid: engine.connector_for(cid))
            for r in sent:
                print(
                    json.dumps(
                        {
                            "event": "reply",
                            "reply_id": r.reply_id,
                            "state": r.state,
                            "reason": r.reason,
                        }
                    )
                    if args.progress
                    else f"reply #{r.reply_id}: {r.state}" + (f" — {r.reason}" if r.reason else ""),
                    flush=True,
                )
            for request_id, state in moderation.carry_out(ctx.factory, engine.connector_for):
                print(
                    json.dumps({"event": "moderation", "request_id": request_id, "state": state})
                    if args.progress
                    else f"moderation #{request_id}: {state}",
                    flush=True,
                )
            triage.wake_snoozed(ctx.factory)
            if args.watch:
                _scheduled_report(ctx, args.progress)
        if not args.watch or stop.wait(1.0):
            break
    return 0 if args.watch or failures == 0 else 4


def cmd_moderate(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    with ctx.factory() as s:
        item = s.get(Item, args.id)
        if item is None:
            raise InvalidInput(f"no item #{args.id}")
        channel_id = item.channel_id
    engine = SyncEngine(ctx.factory, default_registry())
    connector = engine.connector_for(channel_id)
    try:
        moderation.moderate(ctx.factory, actor, args.id, args.action, connector)
    finally:
        connector.close()
    print(f"#{args.id}: {args.action} done on the source")
    return 0


def _scheduled_report(ctx: AppContext, progress: bool) -> None:
    from console.commands_reports import run_schedule

    try:
        folder = run_schedule(ctx)
    except Exception as exc:  # a failed report must not stop the worker
        print(
            json.dumps({"event": "report_failed", "reason": str(exc)})
            if progress
            else f"weekly report failed: {exc}",
            flush=True,
        )
        return
    if folder is not None:
        print(
            json.dumps({"event": "report_written", "folder": str(folder)})
            if progress
            else f"weekly report written to {folder}",
            flush=True,
        )
