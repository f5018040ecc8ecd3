"""The real mail servers for the e-mail tests: a session Dovecot and SMTP server, a fresh mailbox
pair per test, and the helpers that seed and read them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from sqlalchemy import select

from services.answers import replies, review
from services.channels import admin as channels_admin
from services.channels.email import EmailConnector
from services.channels.protocol import Connector, Registry
from services.channels.sync import SyncEngine
from services.store.db import SessionFactory
from services.store.models import Item, Thread
from services.workspace.actor import Actor
from tests.conftest import UNDER_CI
from tests.real import mail_samples as samples
from tests.real.mail_server import SENT_NAME, Account, Dovecot, SmtpServer, missing_parts

pytestmark = pytest.mark.dovecot_real


def _unavailable(reason: str) -> None:
    message = f"real Dovecot unavailable: {reason}"
    if UNDER_CI:
        pytest.fail(message + " (CI=true: real-server tests may not be skipped)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    reason = missing_parts()
    if reason:
        _unavailable(reason)
    server = Dovecot()
    try:
        server.start()
    except Exception as exc:  # any start failure means "no server here"
        server.stop()
        _unavailable(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp(dovecot: Dovecot) -> Iterator[SmtpServer]:
    server = SmtpServer(dovecot).start()
    yield server
    server.stop()


@dataclass(frozen=True)
class Mailbox:
    """The force's contact mailbox and one member of the public, both fresh for the test."""

    ours: Account
    public: Account
    channel_id: int


@pytest.fixture
def mailbox(dovecot: Dovecot, smtp: SmtpServer, factory: SessionFactory, admin: Actor) -> Mailbox:
    ours = dovecot.account("counter", "force.example")
    public = dovecot.account("jo", "public.example")
    view = channels_admin.add_channel(
        factory,
        admin,
        "email",
        "Contact mailbox",
        _config(dovecot, smtp, ours),
        ours.password,
    )
    return Mailbox(ours, public, view.id)


def _config(dovecot: Dovecot, smtp: SmtpServer, ours: Account) -> dict[str, Any]:
    return {
        "imap": f"127.0.0.1:{dovecot.port}",
        "smtp": f"127.0.0.1:{smtp.port}",
        "login": ours.login,
        "address": ours.login,
        "security": "none",
        "display_name": "Northshire Police",
    }


def _seed(dovecot: Dovecot, box: Mailbox) -> None:
    me, them = box.ours.login, box.public.login
    first, answer, again = samples.thread_of_three(them, me)
    dovecot.append(
        box.ours,
        "INBOX",
        samples.html_with_pixel_and_script("helen@public.example", me),
        samples.with_attachment("gordon@public.example", me),
        samples.latin1("renee@public.example", me),
        samples.unknown_charset("sam@public.example", me),
        first,
        samples.auto_reply("pat@public.example", me),
        samples.bounce(me),
        again,
    )
    dovecot.append(box.ours, SENT_NAME, answer)


def _items(factory: SessionFactory, channel_id: int) -> dict[str, Item]:
    with factory() as s:
        return {
            i.external_id: i for i in s.scalars(select(Item).where(Item.channel_id == channel_id))
        }


def _thread_title(factory: SessionFactory, thread_id: int | None) -> str | None:
    with factory() as s:
        return s.scalar(select(Thread.title).where(Thread.id == thread_id))


class _CountingEngine(SyncEngine):
    """The real engine; remembers how many full messages the last run downloaded."""

    downloaded = 0

    def connector_for(self, channel_id: int, with_threads: bool = False) -> Connector:
        connector = super().connector_for(channel_id, with_threads)
        engine = self

        class _Counted:
            def __getattr__(self, name: str) -> Any:
                return getattr(connector, name)

            def close(self) -> None:
                engine.downloaded = cast(EmailConnector, connector).downloaded
                connector.close()

        return cast(Connector, _Counted())


@pytest.fixture
def syncer(factory: SessionFactory, registry: Registry) -> _CountingEngine:
    return _CountingEngine(factory, registry)


def _approved_reply(
    factory: SessionFactory,
    officer: Actor,
    supervisor: Actor,
    external_id: str,
    words: str,
    *,
    registry: Registry,
) -> int:
    with factory() as s:
        item_id = s.scalar(select(Item.id).where(Item.external_id == external_id))
    assert item_id is not None
    draft = replies.save_draft(factory, officer, item_id, words, registry=registry)
    replies.submit(factory, officer, draft.reply_id, registry=registry)
    review.approve(factory, supervisor, draft.reply_id, registry=registry)
    return draft.reply_id


ANSWER = "Yes, Jo: the team will be in the park on Friday night too.\n\nNorthshire Police"
