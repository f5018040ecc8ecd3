"""E-mail on the record, against the real Dovecot: attachments kept and opened on request,
the message as received in an evidence bundle, erasure taking the bytes, and signatures.
"""

from __future__ import annotations

import json
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import select

from services.answers import outbox
from services.channels import email_smtp
from services.channels import setup as channels_setup
from services.channels.protocol import Registry
from services.errors import NotFound
from services.records import attachments, retention
from services.store.db import SessionFactory
from services.store.models import Item, utcnow
from services.store.models_attachments import Attachment
from services.store.models_records import RawPayload
from services.workspace.actor import Actor
from tests.e2e.test_cli import run as run_cli
from tests.real import mail_samples as samples
from tests.real.mail_fixtures import (
    ANSWER,
    Mailbox,
    _approved_reply,
    _CountingEngine,
    dovecot,
    mailbox,
    smtp,
    syncer,
)
from tests.real.mail_server import SENT_NAME, Dovecot, SmtpServer

__all__ = ["dovecot", "mailbox", "smtp", "syncer"]
pytestmark = pytest.mark.dovecot_real

PDF = b"%PDF-1.4 " + b"x" * (samples.PDF_SIZE - 9)
BIG = attachments.MAX_FILE_BYTES + 500_000


def _item_id(factory: SessionFactory, external_id: str) -> int:
    with factory() as s:
        found = s.scalar(select(Item.id).where(Item.external_id == external_id))
    assert found is not None, external_id
    return found


def _with_a_big_attachment(sender: str, to: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "CCTV from my doorbell"
    msg["Message-ID"] = "<big-1@public.example>"
    msg["Date"] = "Mon, 16 Nov 2026 10:00:00 +0000"
    msg.set_content("The video of the car is attached, and a photo of the plate.")
    msg.add_attachment(b"\x00\x01video" * (BIG // 7), "video", "mp4", filename="doorbell.mp4")
    msg.add_attachment(b"\xff\xd8photo-of-plate", "image", "jpeg", filename="plate.jpg")
    return msg.as_bytes(policy=default_policy.clone(linesep="\r\n"))


def test_attachments_are_kept_beside_the_database_and_saved_only_on_request(
    factory: SessionFactory,
    admin: Actor,
    dovecot: Dovecot,
    mailbox: Mailbox,
    syncer: _CountingEngine,
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    me = mailbox.ours.login
    dovecot.append(
        mailbox.ours,
        "INBOX",
        samples.with_attachment("gordon@public.example", me),
        _with_a_big_attachment("mo@public.example", me),
    )
    assert syncer.sync_channel(mailbox.channel_id).inserted == 2

    statement = _item_id(factory, "<attach-1@public.example>")
    (listed,) = attachments.listed(factory, statement)
    assert (listed.name, listed.mime, listed.size, listed.kept) == (
        "witness-statement.pdf",
        "application/pdf",
        samples.PDF_SIZE,
        True,
    )
    folder = Path(sqlite_url).with_name(Path(sqlite_url).stem + ".attachments")
    stored = [p for p in folder.rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in stored if p.stat().st_size == samples.PDF_SIZE] == [PDF]

    big = _item_id(factory, "<big-1@public.example>")
    video, photo = attachments.listed(factory, big)
    assert (video.name, video.kept, video.note) == ("doorbell.mp4", False, "too large, not kept")
    assert (photo.name, photo.kept) == ("plate.jpg", True)
    with factory() as s:
        shown = s.get_one(Item, big).body_text
    assert "doorbell.mp4 (video/mp4, 10.5 MB): too large, not kept" in shown
    with pytest.raises(Exception, match="too large, not kept"):
        attachments.open_bytes(factory, admin, big, 1)

    # Saved from the command line to a file of the person's choosing, and the opening audited.
    out = tmp_path / "statement.pdf"
    listing = run_cli(sqlite_url, "item", "attachments", str(statement))
    assert "witness-statement.pdf" in listing.stdout and "yes" in listing.stdout, listing.stderr
    saved = run_cli(sqlite_url, "item", "attachment", str(statement), "1", "--out", str(out))
    assert saved.returncode == 0, saved.stderr
    assert out.read_bytes() == PDF
    shown_cli = run_cli(sqlite_url, "item", "show", str(statement)).stdout
    assert "item.attachment_open" in shown_cli

    # A file changed on disk is refused, not handed over.
    (pdf_file,) = [p for p in stored if p.stat().st_size == samples.PDF_SIZE]
    pdf_file.write_bytes(PDF.replace(b"x", b"y", 1))
    with pytest.raises(Exception, match="changed on disk"):
        attachments.open_bytes(factory, admin, statement, 1)


def test_erasure_by_retention_deletes_the_attachment_files_too(
    factory: SessionFactory,
    admin: Actor,
    dovecot: Dovecot,
    mailbox: Mailbox,
    syncer: _CountingEngine,
    sqlite_url: str,
) -> None:
    dovecot.append(
        mailbox.ours, "INBOX", samples.with_attachment("gordon@public.example", mailbox.ours.login)
    )
    syncer.sync_channel(mailbox.channel_id)
    statement = _item_id(factory, "<attach-1@public.example>")
    folder = Path(sqlite_url).with_name(Path(sqlite_url).stem + ".attachments")
    assert [p for p in folder.rglob("*") if p.is_file()]

    retention.set_class(factory, admin, "channel", "Contact mailbox", 30)
    done = retention.run(factory, admin, utcnow() + timedelta(days=3650))

    assert done.erased == 1
    assert [p for p in folder.rglob("*") if p.is_file()] == [folder / attachments.MARKER]
    with factory() as s:
        assert s.scalars(select(Attachment).where(Attachment.item_id == statement)).all() == []
        assert s.scalars(select(RawPayload).where(RawPayload.item_id == statement)).all() == []
    with pytest.raises(NotFound):
        attachments.open_bytes(factory, admin, statement, 1)
    # A re-sync after a UIDVALIDITY-free re-read brings nothing back.
    assert syncer.sync_channel(mailbox.channel_id).inserted == 0


def test_the_evidence_bundle_holds_the_message_exactly_as_received(
    factory: SessionFactory,
    admin: Actor,
    dovecot: Dovecot,
    mailbox: Mailbox,
    syncer: _CountingEngine,
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    sent = samples.latin1("renee@public.example", mailbox.ours.login)
    dovecot.append(mailbox.ours, "INBOX", sent)
    (as_stored,) = dovecot.messages(mailbox.ours)  # what the server hands any client
    syncer.sync_channel(mailbox.channel_id)
    item = _item_id(factory, "<latin-1@public.example>")

    made = run_cli(sqlite_url, "export", "evidence", str(item), "--out", str(tmp_path),
                   "--reason", "Criminal damage, CAD 1182", "--no-pdf")  # fmt: skip
    assert made.returncode == 0, made.stderr
    bundle = Path(made.stdout.split("folder ", 1)[1].split("\n", 1)[0].strip())
    manifest = json.loads((bundle / "manifest.json").read_text())
    (payload,) = manifest["payloads"]
    assert (payload["as_received"], payload["media_type"]) == (True, "message/rfc822")
    assert payload["path"].endswith(".eml")
    eml = (bundle / payload["path"]).read_bytes()
    assert eml == as_stored
    assert b"Gr\xfc\xdfe aus dem Caf\xe9" in eml  # latin-1 bytes, untouched
    assert run_cli(sqlite_url, "export", "verify", str(bundle)).returncode == 0

    (bundle / payload["path"]).write_bytes(eml.replace(b"Caf\xe9", b"Cafe", 1))
    checked = run_cli(sqlite_url, "export", "verify", str(bundle))
    assert checked.returncode == 3
    assert f"{payload['path']}: contents changed since export" in checked.stdout


def test_a_reply_carries_the_channels_signature_with_its_placeholders_filled(
    factory: SessionFactory,
    admin: Actor,
    officer: Actor,
    supervisor: Actor,
    dovecot: Dovecot,
    smtp: SmtpServer,
    mailbox: Mailbox,
    syncer: _CountingEngine,
    registry: Registry,
) -> None:
    first, answer, again = samples.thread_of_three(mailbox.public.login, mailbox.ours.login)
    dovecot.append(mailbox.ours, "INBOX", first, again)
    dovecot.append(mailbox.ours, SENT_NAME, answer)
    syncer.sync_channel(mailbox.channel_id)
    # As `channel edit "Contact mailbox" --signature …` and the Channels dialog set it.
    channels_setup.edit(
        factory,
        admin,
        "Contact mailbox",
        {"signature": "{officer}, collar {collar}\\nPlease quote {reference} if you write again."},
    )
    words = "Yes, Jo: the team will be in the park on Friday night too."
    _approved_reply(factory, officer, supervisor, "<jo-2@public.example>", words, registry=registry)

    assert [
        r.state for r in outbox.send_pending(factory, syncer.connector_for, registry=registry)
    ] == ["sent"]

    (arrived,) = dovecot.messages(mailbox.public)
    msg = message_from_bytes(arrived, policy=default_policy)
    item = _item_id(factory, "<jo-2@public.example>")
    text = msg.get_content().replace("\r\n", "\n")
    assert text.startswith(words)
    assert f"\n-- \nPC Dan Hughes, collar 4521\nPlease quote FC-{item} if you" in text
    # The reply's identity is its words: a retry after a crash finds it whatever the signature.
    assert msg["Message-ID"] == email_smtp.reply_message_id("<jo-2@public.example>", words,
                                                            mailbox.ours.login)  # fmt: skip
    assert ANSWER not in text
