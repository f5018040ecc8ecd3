"""New mail within seconds: the worker in watch mode listens with IMAP IDLE on the real Dovecot."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update

from services.channels.protocol import default_registry
from services.store.db import SessionFactory
from services.store.models import Channel, Item, utcnow
from services.worker import Worker, WorkerOptions
from services.worker_events import SyncFinished, WorkerEvent
from tests.real import mail_samples as samples
from tests.real.mail_server import Dovecot
from tests.real.test_email_real import Mailbox, dovecot, mailbox, smtp

__all__ = ["dovecot", "mailbox", "smtp"]
pytestmark = pytest.mark.dovecot_real

WAIT = 30.0  # a generous ceiling, not a measure: the wait ends as soon as the item is there


def _wait_for(what: str, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT:.0f} s for {what}")
        time.sleep(0.1)


def test_mail_arriving_while_the_worker_idles_becomes_an_item_without_waiting_for_the_poll(
    factory: SessionFactory, engine: Engine, dovecot: Dovecot, mailbox: Mailbox
) -> None:
    with factory.begin() as s:  # polled once an hour: only IDLE can bring the mail in sooner
        s.execute(update(Channel).where(Channel.id == mailbox.channel_id).values(poll_seconds=3600))
    events: list[WorkerEvent] = []
    worker = Worker(factory, engine, default_registry(), ZoneInfo("Europe/London"), events.append)
    stop = threading.Event()
    running = threading.Thread(target=worker.run, args=(WorkerOptions(watch=True), stop))
    running.start()
    try:
        _wait_for("the first sync", lambda: any(isinstance(e, SyncFinished) for e in events))
        _wait_for("the IDLE session", lambda: mailbox.channel_id in worker.mail.idling())
        with factory() as s:
            next_poll = s.get_one(Channel, mailbox.channel_id).next_poll_at
        assert next_poll is not None and (next_poll - utcnow()).total_seconds() > 3000

        dovecot.append(
            mailbox.ours,
            "INBOX",
            samples.plain("kim@public.example", mailbox.ours.login, "<idle-1@x.example>", "Hi"),
        )

        def arrived() -> bool:
            with factory() as s:
                return (
                    s.scalar(select(Item.id).where(Item.external_id == "<idle-1@x.example>"))
                    is not None
                )

        _wait_for("the new mail as an item", arrived)
    finally:
        stop.set()
        running.join(15)
    assert not running.is_alive()
    assert worker.mail.idling() == set()  # the IDLE session ended with the worker
    finished = [e for e in events if isinstance(e, SyncFinished)]
    assert [e.inserted for e in finished] == [0, 1]
