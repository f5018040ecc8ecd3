"""IMAP IDLE (RFC 2177) on a mailbox's INBOX: say at once when new mail arrives.

`watch_inbox` runs in a thread of its own with its own IMAP session; it never
reads a message. When the server answers `n EXISTS` it calls `on_new()`, and
the worker fetches the channel on its next tick (services/channels/mail_watch.py). A
server without IDLE makes it return NO_IDLE at once: the channel is then
polled at its interval, as before. A dropped connection is opened again after a
pause that grows to MAX_PAUSE; IDLE is renewed every RENEW_SECONDS, under the
29 minutes after which servers may drop an idle client.
"""

from __future__ import annotations

import imaplib
import logging
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING

from services.channels.email_imap import MailboxSettings, imap_errors, open_session
from services.channels.errors import ChannelError

if TYPE_CHECKING:
    from imapclient import IMAPClient

log = logging.getLogger(__name__)

RENEW_SECONDS = 25 * 60
CHECK_SECONDS = 1.0  # how long one wait for the server lasts: how soon a stop is noticed
FIRST_PAUSE = 5.0
MAX_PAUSE = 300.0
NO_IDLE = "no_idle"
STOPPED = "stopped"


def watch_inbox(
    settings: MailboxSettings,
    password: Callable[[], str | None],
    on_new: Callable[[], None],
    stop: threading.Event,
    on_idling: Callable[[bool], None] = lambda _idling: None,
) -> str:
    """IDLE on INBOX until `stop` is set (STOPPED), or NO_IDLE when the server has no IDLE.

    `password` is asked on every (re)connection, so a password changed in the keyring
    is picked up; `on_idling(True)` is called once the server has accepted IDLE, and
    `on_idling(False)` when that session ends.
    """
    # imported on first use: imapclient costs ~50 ms of the desktop's start-up
    from imapclient.exceptions import IMAPClientError

    pause = FIRST_PAUSE
    while not stop.is_set():
        try:
            secret = password()
            if not secret:
                raise ChannelError("no password stored for this mailbox")
            client = open_session(settings, secret)
        except ChannelError as exc:
            log.info("IDLE on %s: cannot connect (%s); trying again later", settings.where, exc)
            stop.wait(pause)
            pause = min(pause * 2, MAX_PAUSE)
            continue
        try:
            if not client.has_capability("IDLE"):
                log.info("IDLE: %s does not offer it; the mailbox is polled", settings.where)
                return NO_IDLE
            _idle(client, settings, on_new, stop, on_idling)
            pause = FIRST_PAUSE
        except ChannelError as exc:
            log.info("IDLE on %s ended (%s); reconnecting", settings.where, exc)
            stop.wait(pause)
            pause = min(pause * 2, MAX_PAUSE)
        finally:
            on_idling(False)
            with suppress(IMAPClientError, OSError, imaplib.IMAP4.abort):
                client.logout()
    return STOPPED


def _idle(
    client: IMAPClient,
    settings: MailboxSettings,
    on_new: Callable[[], None],
    stop: threading.Event,
    on_idling: Callable[[bool], None],
) -> None:
    with imap_errors(settings.where):
        client.select_folder("INBOX", readonly=True)
        client.idle()
        on_idling(True)
        started = time.monotonic()
        while not stop.is_set():
            answers = client.idle_check(timeout=CHECK_SECONDS)
            if any(isinstance(a, tuple) and len(a) > 1 and a[1] == b"EXISTS" for a in answers):
                on_new()
            if any(isinstance(a, tuple) and a and a[0] == b"BYE" for a in answers):
                raise ChannelError("the server ended the session")
            if time.monotonic() - started > RENEW_SECONDS:
                client.idle_done()
                client.idle()
                started = time.monotonic()
        client.idle_done()
