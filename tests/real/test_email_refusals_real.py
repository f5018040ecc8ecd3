"""Replies the SMTP server refuses, against a real Dovecot (Debian's package) and an SMTP server that delivers into it.

Each test gets fresh mailboxes on the session's Dovecot; the messages are
written here as bytes, the way mail clients and mail servers send them.
"""

from __future__ import annotations

import pytest

from services.answers import outbox
from services.channels.protocol import Registry
from services.store.db import SessionFactory
from services.store.models import Reply, ReplyState
from services.workspace.actor import Actor
from tests.real.mail_fixtures import (
    Mailbox,
    _approved_reply,
    _CountingEngine,
    _seed,
    dovecot,
    mailbox,
    smtp,
    syncer,
)
from tests.real.mail_server import SENT_NAME, Dovecot, SmtpServer

__all__ = ["dovecot", "mailbox", "smtp", "syncer"]
pytestmark = pytest.mark.dovecot_real


def test_a_refused_recipient_fails_the_reply_with_the_reason_and_files_nothing(
    factory: SessionFactory,
    officer: Actor,
    supervisor: Actor,
    dovecot: Dovecot,
    smtp: SmtpServer,
    mailbox: Mailbox,
    syncer: _CountingEngine,
    registry: Registry,
) -> None:
    _seed(dovecot, mailbox)
    syncer.sync_channel(mailbox.channel_id)
    reply_id = _approved_reply(
        factory,
        officer,
        supervisor,
        "<html-1@public.example>",
        "We are sorry, Helen.",
        registry=registry,
    )
    sent_before = len(smtp.received)

    (result,) = outbox.send_pending(factory, syncer.connector_for, registry=registry)

    assert result.state == "failed"
    assert result.reason == (
        "the SMTP server refused helen@public.example: 550 5.1.1 no such user here"
    )
    assert len(smtp.received) == sent_before
    assert [m for m in dovecot.messages(mailbox.ours, SENT_NAME) if b"sorry, Helen" in m] == []
    with factory() as s:
        assert s.get_one(Reply, reply_id).state == ReplyState.FAILED


def test_words_refused_after_data_fail_the_reply_and_leave_no_copy_in_sent(
    factory: SessionFactory,
    officer: Actor,
    supervisor: Actor,
    dovecot: Dovecot,
    smtp: SmtpServer,
    mailbox: Mailbox,
    syncer: _CountingEngine,
    registry: Registry,
) -> None:
    _seed(dovecot, mailbox)
    syncer.sync_channel(mailbox.channel_id)
    _approved_reply(
        factory,
        officer,
        supervisor,
        "<jo-1@public.example>",
        "Our CASINO night is cancelled.",
        registry=registry,
    )

    (result,) = outbox.send_pending(factory, syncer.connector_for, registry=registry)

    assert (result.state, result.reason) == (
        "failed",
        "the SMTP server refused the message: 554 5.7.1 message refused as spam",
    )
    assert dovecot.messages(mailbox.public) == []
    assert [m for m in dovecot.messages(mailbox.ours, SENT_NAME) if b"CASINO" in m] == []
