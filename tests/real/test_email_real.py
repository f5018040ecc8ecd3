"""The e-mail channel against a real Dovecot (Debian's package) and an SMTP server that delivers into it.

Each test gets fresh mailboxes on the session's Dovecot; the messages are
written here as bytes, the way mail clients and mail servers send them.
"""

from __future__ import annotations

import logging
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import inspect, select, text

from services.answers import outbox
from services.channels import admin as channels_admin
from services.channels import email_smtp
from services.channels.protocol import Connector, Registry, ReplyTarget, SentReply
from services.store.db import SessionFactory
from services.store.models import Channel, Contact, Direction, Reply, ReplyState
from services.workspace.actor import Actor
from tests.e2e.test_cli import run as run_cli
from tests.real import mail_samples as samples
from tests.real.mail_fixtures import (
    ANSWER,
    Mailbox,
    _approved_reply,
    _config,
    _CountingEngine,
    _items,
    _seed,
    _thread_title,
    dovecot,
    mailbox,
    smtp,
    syncer,
)
from tests.real.mail_server import SENT_NAME, Dovecot, SmtpServer

__all__ = ["dovecot", "mailbox", "smtp", "syncer"]
pytestmark = pytest.mark.dovecot_real


def test_sync_reads_the_public_mail_keeps_threads_and_leaves_out_machines(
    factory: SessionFactory, dovecot: Dovecot, mailbox: Mailbox, syncer: _CountingEngine
) -> None:
    _seed(dovecot, mailbox)

    result = syncer.sync_channel(mailbox.channel_id)

    assert (result.state, result.inserted) == ("ok", 7), result.reason
    assert result.reason is not None and "left out 2 automatic messages" in result.reason
    items = _items(factory, mailbox.channel_id)
    assert "<ooo-1@public.example>" not in items and "<bounce-1@mx.public.example>" not in items

    page = items["<html-1@public.example>"]
    assert page.body_html is not None and "Lowtown station" in page.body_html
    for hostile in ("<script", "<img", "tracker.example", "document.cookie", "ignore me"):
        assert hostile not in page.body_html
    assert "[evil.example]" in page.body_html  # the link shows where it really goes
    assert page.body_text.startswith("I wrote to Lowtown station")

    attached = items["<attach-1@public.example>"]
    assert (attached.raw or {})["attachments"] == [
        {"name": "witness-statement.pdf", "mime": "application/pdf", "size": samples.PDF_SIZE}
    ]
    assert "witness-statement.pdf (application/pdf, 12.3 kB)" in attached.body_text

    latin = items["<latin-1@public.example>"]
    assert "Grüße aus dem Café" in latin.body_text
    assert _thread_title(factory, latin.thread_id) == "Vandalismus am Café"
    with factory() as s:
        assert s.get_one(Contact, latin.contact_id).display_name == "Renée Müller"

    odd = items["<charset-1@public.example>"]
    assert "Someone broke the bus shelter" in odd.body_text
    assert "'x-no-such-charset', which is not a known character set" in odd.body_text

    first, ours, again = (
        items["<jo-1@public.example>"],
        items["<our-1@force.example>"],
        items["<jo-2@public.example>"],
    )
    assert first.thread_id == ours.thread_id == again.thread_id is not None
    assert _thread_title(factory, first.thread_id) == "Noise from the park"
    assert [first.direction, ours.direction, again.direction] == [
        Direction.INBOUND,
        Direction.OUTBOUND,
        Direction.INBOUND,
    ]
    assert again.parent_external_id == "<our-1@force.example>"

    again_result = syncer.sync_channel(mailbox.channel_id)
    assert (again_result.inserted, again_result.updated) == (0, 0)
    assert syncer.downloaded == 0


def test_a_changed_uidvalidity_adds_only_the_newcomer(
    factory: SessionFactory, dovecot: Dovecot, mailbox: Mailbox, syncer: _CountingEngine
) -> None:
    _seed(dovecot, mailbox)
    no_id = samples.plain("lee@public.example", mailbox.ours.login, "", "No id at all")
    dovecot.append(mailbox.ours, "INBOX", no_id.replace(b"Message-ID: \r\n", b""))
    assert syncer.sync_channel(mailbox.channel_id).inserted == 8
    login = mailbox.ours.login
    for folder in ("INBOX", SENT_NAME):
        before = dovecot.uid_validity(mailbox.ours, folder)
        dovecot.doveadm("mailbox", "update", "-u", login, "--uid-validity", str(before + 7), folder)
        assert dovecot.uid_validity(mailbox.ours, folder) == before + 7
    dovecot.append(
        mailbox.ours,
        "INBOX",
        samples.plain("kim@public.example", login, "<new-1@public.example>", "Lost dog"),
    )

    result = syncer.sync_channel(mailbox.channel_id)

    assert (result.state, result.inserted, result.updated) == ("ok", 1, 0), result.reason
    assert syncer.downloaded == 1  # the others were matched by Message-ID, not downloaded again
    assert len(_items(factory, mailbox.channel_id)) == 9
    assert syncer.sync_channel(mailbox.channel_id).inserted == 0


def test_an_approved_reply_arrives_once_with_in_reply_to_and_references(
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
        factory, officer, supervisor, "<jo-2@public.example>", ANSWER, registry=registry
    )
    sent_before = len(smtp.received)

    assert [
        r.state for r in outbox.send_pending(factory, syncer.connector_for, registry=registry)
    ] == ["sent"]
    assert outbox.send_pending(factory, syncer.connector_for, registry=registry) == []

    (arrived,) = dovecot.messages(mailbox.public)
    msg = message_from_bytes(arrived, policy=default_policy)
    assert msg["From"] == f"Northshire Police <{mailbox.ours.login}>"
    assert msg["To"] == f"Jo Fielding <{mailbox.public.login}>"
    assert msg["Subject"] == "Re: Noise from the park"
    assert msg["In-Reply-To"] == "<jo-2@public.example>"
    assert msg["References"].split() == [
        "<jo-1@public.example>",
        "<our-1@force.example>",
        "<jo-2@public.example>",
    ]
    assert "the team will be in the park on Friday" in msg.get_content()
    assert len(smtp.received) == sent_before + 1
    with factory() as s:
        reply = s.get_one(Reply, reply_id)
        assert (reply.state, reply.external_id) == (ReplyState.SENT, msg["Message-ID"])
    (filed,) = [
        m for m in dovecot.messages(mailbox.ours, SENT_NAME) if msg["Message-ID"].encode() in m
    ]
    assert b"$FrontCounterSending" not in filed
    items = _items(factory, mailbox.channel_id)
    ours = items[msg["Message-ID"]]
    assert ours.direction == Direction.OUTBOUND
    assert ours.thread_id == items["<jo-1@public.example>"].thread_id
    # The copy in Sent is the item the outbox already recorded: the next sync adds nothing.
    result = syncer.sync_channel(mailbox.channel_id)
    assert (result.inserted, result.updated) == (0, 0)


class _Killed(BaseException):
    """The worker process dies: nothing after this point runs (not an Exception: nothing catches it)."""


class _DiesAfterSending:
    def __init__(self, real: Connector) -> None:
        self._real = real

    def send_reply(self, target: ReplyTarget, body: str) -> SentReply:
        self._real.send_reply(target, body)
        raise _Killed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.mark.parametrize("moment", ["after send_reply", "right after SMTP DATA"])
def test_a_worker_killed_after_the_smtp_send_does_not_send_again(
    factory: SessionFactory,
    officer: Actor,
    supervisor: Actor,
    dovecot: Dovecot,
    smtp: SmtpServer,
    mailbox: Mailbox,
    syncer: _CountingEngine,
    monkeypatch: pytest.MonkeyPatch,
    moment: str,
    registry: Registry,
) -> None:
    _seed(dovecot, mailbox)
    syncer.sync_channel(mailbox.channel_id)
    reply_id = _approved_reply(
        factory, officer, supervisor, "<jo-1@public.example>", ANSWER, registry=registry
    )

    if moment == "after send_reply":
        with pytest.raises(_Killed):
            outbox.send_pending(
                factory,
                lambda cid: cast(Connector, _DiesAfterSending(syncer.connector_for(cid))),
                registry=registry,
            )
    else:
        real_deliver = email_smtp.Sending.deliver

        def deliver_then_die(self: email_smtp.Sending, data: bytes) -> None:
            real_deliver(self, data)
            raise _Killed

        with monkeypatch.context() as patch:
            patch.setattr(email_smtp.Sending, "deliver", deliver_then_die)
            with pytest.raises(_Killed):
                outbox.send_pending(factory, syncer.connector_for, registry=registry)
    with factory() as s:
        assert s.get_one(Reply, reply_id).state == ReplyState.SENDING
    assert len(dovecot.messages(mailbox.public)) == 1  # delivered, not yet recorded here

    assert [
        r.state for r in outbox.send_pending(factory, syncer.connector_for, registry=registry)
    ] == ["sent"]
    (arrived,) = dovecot.messages(mailbox.public)
    assert b"In-Reply-To: <jo-1@public.example>" in arrived
    sent_copies = [m for m in dovecot.messages(mailbox.ours, SENT_NAME) if b"Friday night" in m]
    assert len(sent_copies) == 1 and b"$FrontCounterSending" not in sent_copies[0]


def test_the_password_is_never_in_the_database_or_the_logs(
    factory: SessionFactory,
    officer: Actor,
    supervisor: Actor,
    admin: Actor,
    dovecot: Dovecot,
    smtp: SmtpServer,
    mailbox: Mailbox,
    syncer: _CountingEngine,
    caplog: pytest.LogCaptureFixture,
    registry: Registry,
) -> None:
    caplog.set_level(logging.DEBUG)
    _seed(dovecot, mailbox)
    syncer.sync_channel(mailbox.channel_id)
    _approved_reply(
        factory,
        officer,
        supervisor,
        "<jo-1@public.example>",
        "We are sorry, Jo.",
        registry=registry,
    )
    assert [
        r.state for r in outbox.send_pending(factory, syncer.connector_for, registry=registry)
    ] == ["sent"]
    wrong = channels_admin.add_channel(
        factory,
        admin,
        "email",
        "Mistyped mailbox",
        _config(dovecot, smtp, mailbox.ours),
        "not-the-password-9Zq",
    )
    failed = syncer.sync_channel(wrong.id)
    assert failed.state == "error"
    assert (
        failed.reason
        == f"credentials rejected: the IMAP server 127.0.0.1:{dovecot.port} refused the login"
    )

    dump = _database_text(factory)
    for secret in (mailbox.ours.password, "not-the-password-9Zq"):
        assert secret not in dump
        assert secret not in caplog.text
    assert mailbox.ours.login in dump  # the dump did read the channel rows


def _database_text(factory: SessionFactory) -> str:
    with factory() as s:
        bind = s.get_bind()
        rows = []
        for table in inspect(bind).get_table_names():
            rows += [repr(tuple(r)) for r in s.execute(text(f'SELECT * FROM "{table}"'))]
        return "\n".join(rows)


def test_a_new_user_adds_the_mailbox_tests_it_and_syncs_it_from_the_command_line(
    dovecot: Dovecot, smtp: SmtpServer, tmp_path: Path
) -> None:
    ours = dovecot.account("counter", "force.example")
    dovecot.append(
        ours, "INBOX", samples.plain("kim@public.example", ours.login, "<cli-1@x.example>", "Hello")
    )
    db = str(tmp_path / "cli.db")
    assert run_cli(db, "db", "upgrade").returncode == 0
    added = run_cli(
        db,
        *("channel", "add", "email", "--name", "Contact mailbox"),
        *("--imap", f"127.0.0.1:{dovecot.port}", "--smtp", f"127.0.0.1:{smtp.port}"),
        *("--login", ours.login, "--address", ours.login, "--security", "none"),
        "--secret-stdin",
        stdin=ours.password + "\n",
    )
    assert added.returncode == 0, added.stderr
    tested = run_cli(db, "channel", "test", "Contact mailbox")
    assert tested.returncode == 0, tested.stderr
    assert f"connected as {ours.login}" in tested.stdout
    assert f"{SENT_NAME} (Sent)" in tested.stdout and "INBOX" in tested.stdout
    assert f"SMTP 127.0.0.1:{smtp.port} accepted the login" in tested.stdout
    synced = run_cli(db, "sync")
    assert synced.returncode == 0 and "Contact mailbox: ok, 1 new" in synced.stdout, synced.stdout
    for output in (added, tested, synced):
        assert ours.password not in output.stdout + output.stderr


def test_security_none_is_refused_for_a_server_elsewhere(
    factory: SessionFactory, admin: Actor
) -> None:
    with pytest.raises(Exception, match="only for a server on this machine"):
        channels_admin.add_channel(
            factory,
            admin,
            "email",
            "Unsafe",
            {
                "imap": "mail.force.example:143",
                "smtp": "127.0.0.1:25",
                "login": "counter",
                "address": "counter@force.example",
                "security": "none",
            },
            "secret",
        )
    with factory() as s:
        assert s.scalar(select(Channel.id).where(Channel.name == "Unsafe")) is None
