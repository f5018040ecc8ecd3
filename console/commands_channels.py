"""Channel commands: add, list, test, remove; the sync worker; moderation on the source."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
import threading
from contextlib import nullcontext
from datetime import datetime

from console.context import AppContext, report_renderer
from console.output import age, clip, print_json, print_table
from services import channels_admin, moderation, quarantine, secrets
from services.channels.protocol import default_registry
from services.errors import InvalidInput
from services.sync import SyncEngine
from services.users import Actor
from services.worker import Emit, Worker, WorkerOptions
from services.worker_events import WorkerEvent, WorkerStopped, to_json


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("channel", help="connect and manage channels")
    csub = p.add_subparsers(dest="channel_command", required=True)
    add = csub.add_parser("add", help="connect a channel (admins only)")
    add.add_argument(
        "kind", choices=["wordpress", "feed", "email", "mastodon", "facebook", "x", "bluesky"]
    )
    add.add_argument("--name", required=True)
    add.add_argument("--url", help="the site (WordPress) or the feed's address")
    add.add_argument(
        "--login",
        help="WordPress user name (without it, the public comments feed is read), a "
        "private feed's user name (basic auth), or the mailbox's login; the secret goes to "
        "the keyring",
    )
    mail = add.add_argument_group("email")
    mail.add_argument("--imap", metavar="HOST:PORT", help="the mailbox's IMAP server")
    mail.add_argument("--smtp", metavar="HOST:PORT", help="the SMTP server replies go out by")
    mail.add_argument("--address", help="the mailbox's address: replies come from it")
    mail.add_argument(
        "--security",
        choices=["tls", "starttls", "none"],
        default="tls",
        help="tls (993/465, the default), starttls (143/587), or none (only for 127.0.0.1)",
    )
    mail.add_argument(
        "--display-name", help="the name replies are signed with in From (default: --name)"
    )
    social = add.add_argument_group("facebook and x")
    social.add_argument("--page-id", help="the Facebook Page's id (the token is a Page token)")
    social.add_argument(
        "--api-url",
        help="the platform's API address, for an egress proxy or a test server "
        "(default: graph.facebook.com / api.x.com)",
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


def _add_email(
    ctx: AppContext, actor: Actor, args: argparse.Namespace
) -> channels_admin.ChannelView:
    missing = [f"--{o}" for o in ("imap", "smtp", "address") if not getattr(args, o)]
    if missing:
        raise InvalidInput(f"an email channel needs {', '.join(missing)}")
    config = {
        "imap": args.imap,
        "smtp": args.smtp,
        "login": args.login or args.address,
        "address": args.address,
        "security": args.security,
        "display_name": args.display_name or args.name,
    }
    secrets.backend()
    secret = _read_secret(args, f"Password for {config['login']}: ")
    return channels_admin.add_channel(
        ctx.factory, actor, "email", args.name, config, secret, args.every
    )


def _add_social(
    ctx: AppContext, actor: Actor, args: argparse.Namespace
) -> channels_admin.ChannelView:
    config: dict[str, str] = {"url": args.api_url} if args.api_url else {}
    if args.kind == "facebook":
        if not args.page_id:
            raise InvalidInput("a facebook channel needs --page-id (the Page's numeric id)")
        config["page_id"] = args.page_id
        prompt = f"Page access token for page {args.page_id}: "
    else:
        # An OAuth 2.0 user token (tweet.read tweet.write tweet.moderate.write users.read,
        # dm.read dm.write for messages), or OAuth 1.0a user credentials' bearer equivalent.
        prompt = "Access token of the force's X account: "
    secrets.backend()
    secret = _read_secret(args, prompt)
    return channels_admin.add_channel(
        ctx.factory, actor, args.kind, args.name, config, secret, args.every
    )


def cmd_channel_add(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    if args.kind == "email":
        view = _add_email(ctx, actor, args)
        print(f"added channel {view.name} ({view.kind})")
        return 0
    if args.kind in ("facebook", "x"):
        view = _add_social(ctx, actor, args)
        print(f"added channel {view.name} ({view.kind})")
        return 0
    if not args.url:
        raise InvalidInput(f"a {args.kind} channel needs --url")
    if args.kind == "bluesky":
        # --url is the account's PDS (https://bsky.social for most); the secret an app password.
        if not args.login:
            raise InvalidInput("a bluesky channel needs --login (the account's handle)")
        secrets.backend()
        secret = _read_secret(args, f"App password for {args.login}: ")
        view = channels_admin.add_channel(
            ctx.factory,
            actor,
            "bluesky",
            args.name,
            {"url": args.url, "login": args.login.lstrip("@")},
            secret,
            args.every,
        )
    elif args.kind == "mastodon":
        # The secret is an access token (scopes `read write`); the desktop gets one by OAuth.
        secrets.backend()
        secret = _read_secret(args, f"Access token for {args.url}: ")
        view = channels_admin.add_channel(
            ctx.factory, actor, "mastodon", args.name, {"url": args.url}, secret, args.every
        )
    elif args.kind == "wordpress" and args.login:
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
        setattr(namespace, self.dest, values if isinstance(values, int) else os.getppid())


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
            if os.getppid() != parent:
                stop.set()  # the desktop that started us is gone: do not poll on as an orphan
                _end_soon(emit)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def cmd_sync(ctx: AppContext, _actor: Actor | None, args: argparse.Namespace) -> int:
    parent = args.exit_with_parent  # recorded while parsing (_RecordParent)
    stop = threading.Event()
    emit = _printer(args.progress)

    def on_signal(_signum: int, _frame: object) -> None:
        if not stop.is_set():
            stop.set()
            _end_soon(emit)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if parent is not None:
        _watch_parent(parent, stop, emit)
    worker = Worker(ctx.factory, ctx.engine, default_registry(), ctx.tz, emit, report_renderer())
    from services.store.worker_lock import single_worker

    # One watching worker per workspace: a second one waits (and says so on stderr).
    with single_worker(ctx.engine, stop, _say) if args.watch else nullcontext(True) as held:
        if not held:
            return 0
        return worker.run(
            WorkerOptions(args.channel, args.watch, args.reconcile),
            stop,
            parent_alive=lambda: parent is None or os.getppid() == parent,
        )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_moderate(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    engine = SyncEngine(ctx.factory, default_registry())
    moderation.moderate_now(ctx.factory, actor, args.id, args.action, engine.connector_for)
    print(f"#{args.id}: {args.action} done on the source")
    return 0
