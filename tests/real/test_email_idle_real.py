"""New mail within seconds: the worker in watch mode listens with IMAP IDLE on the real Dovecot."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update

from services.channels import admin as channels_admin
from services.channels.protocol import Registry
from services.store.db import SessionFactory
from services.store.models import Channel, Item, utcnow
from services.worker import Worker, WorkerOptions
from services.worker_events import SyncFinished, WorkerEvent
from services.workspace.actor import Actor
from tests.real import mail_samples as samples
from tests.real.mail_fixtures import Mailbox, _config, _unavailable, dovecot, mailbox, smtp
from tests.real.mail_server import WITHOUT_IDLE, Dovecot, SmtpServer, missing_parts

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
    factory: SessionFactory, engine: Engine, dovecot: Dovecot, mailbox: Mailbox, registry: Registry
) -> None:
    with factory.begin() as s:  # polled once an hour: only IDLE can bring the mail in sooner
        s.execute(update(Channel).where(Channel.id == mailbox.channel_id).values(poll_seconds=3600))
    events: list[WorkerEvent] = []
    worker = Worker(factory, engine, registry, ZoneInfo("Europe/London"), events.append)
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


@pytest.fixture(scope="session")
def dovecot_without_idle() -> Iterator[Dovecot]:
    """A second Dovecot, the same but for IDLE, which its CAPABILITY does not offer."""
    reason = missing_parts()
    if reason:
        _unavailable(reason)
    server = Dovecot(capability=WITHOUT_IDLE)
    try:
        server.start()
    except Exception as exc:  # any start failure means "no server here"
        server.stop()
        _unavailable(str(exc))
    yield server
    server.stop()


def test_a_server_without_idle_ends_the_listening_thread_and_the_mailbox_is_polled(
    factory: SessionFactory,
    engine: Engine,
    admin: Actor,
    dovecot_without_idle: Dovecot,
    smtp: SmtpServer,
    caplog: pytest.LogCaptureFixture,
    registry: Registry,
) -> None:
    server = dovecot_without_idle
    ours = server.account("counter", "force.example")
    channel_id = channels_admin.add_channel(
        factory, admin, "email", "Contact mailbox", _config(server, smtp, ours), ours.password
    ).id
    with factory.begin() as s:  # polled every two seconds: the only way mail comes in here
        s.execute(update(Channel).where(Channel.id == channel_id).values(poll_seconds=2))
    caplog.set_level(logging.INFO, logger="services.channels.email_idle")
    events: list[WorkerEvent] = []
    worker = Worker(factory, engine, registry, ZoneInfo("Europe/London"), events.append)
    stop = threading.Event()
    running = threading.Thread(target=worker.run, args=(WorkerOptions(watch=True), stop))
    running.start()
    try:
        _wait_for("the first sync", lambda: any(isinstance(e, SyncFinished) for e in events))
        # The thread asked, found no IDLE, and ended by itself; the worker did not restart it.
        _wait_for("the listening thread to end", lambda: worker.mail.listening() == set())
        assert any("does not offer it; the mailbox is polled" in m for m in caplog.messages)
        assert worker.mail.idling() == set()

        server.append(
            ours,
            "INBOX",
            samples.plain("kim@public.example", ours.login, "<poll-1@x.example>", "Hi"),
        )

        def arrived() -> bool:
            with factory() as s:
                return (
                    s.scalar(select(Item.id).where(Item.external_id == "<poll-1@x.example>"))
                    is not None
                )

        _wait_for("the new mail as an item, by polling", arrived)
        assert worker.mail.listening() == set()  # still not listening, ticks later
    finally:
        stop.set()
        running.join(15)
    assert not running.is_alive()
    finished = [e for e in events if isinstance(e, SyncFinished) and e.channel == "Contact mailbox"]
    assert len(finished) >= 2 and sum(e.inserted for e in finished) == 1
    assert all(e.state == "ok" for e in finished)
