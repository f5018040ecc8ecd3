"""Reading e-mail without a server: who wrote it, in which charset, to which conversation, and our answer's headers.

The real round trip (Dovecot, SMTP) is in tests/real/test_email_real.py;
these are the cases a real mailbox rarely shows on demand.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.channels import email_mime, email_smtp
from services.channels.email_threads import MAX_IDS, ThreadMemory
from services.channels.errors import ChannelError


def _msg(headers: str, body: bytes = b"Hello.\r\n") -> bytes:
    return headers.strip().replace("\n", "\r\n").encode() + b"\r\n\r\n" + body


PERSON = """
From: Jo Fielding <jo@public.example>
To: counter@force.example
Subject: Noise
Date: Tue, 24 Nov 2026 12:00:00 +0000
Message-ID: <a@public.example>
"""


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ("Auto-Submitted: auto-generated", "auto-submitted"),
        ("Precedence: bulk", "precedence bulk"),
        ("Precedence: list", "precedence list"),
        ("Precedence: junk", "precedence junk"),
        ("X-Auto-Response-Suppress: All", "x-auto-response-suppress"),
        ("X-Autoreply: yes", "x-autoreply"),
        ("Return-Path: <>", "null return path"),
        ("Content-Type: multipart/report; report-type=disposition-notification", "report"),
    ],
)
def test_machine_mail_is_recognised(extra: str, why: str) -> None:
    head = email_mime.head_of(email_mime.parse(_msg(PERSON + extra)))
    assert head.automated is not None and why in head.automated


def test_a_postmaster_is_not_the_public_but_auto_submitted_no_is() -> None:
    bounce = PERSON.replace("jo@public.example", "postmaster@public.example")
    assert email_mime.head_of(email_mime.parse(_msg(bounce))).automated is not None
    person = email_mime.head_of(email_mime.parse(_msg(PERSON + "Auto-Submitted: no")))
    assert person.automated is None


def test_bytes_valid_in_no_charset_are_marked_not_fatal() -> None:
    raw = _msg(PERSON + "Content-Type: text/plain; charset=utf-8", b"caf\xc3\xa9 and \xff\xfe\r\n")
    content = email_mime.content_of(email_mime.parse(raw))
    assert "café and" in content.text
    assert "were not valid utf-8" in content.text and "\ufffd" in content.text


def test_raw_8bit_headers_are_read_as_windows_1252() -> None:
    raw = (
        PERSON.strip().replace("Subject: Noise", "Subject: Caf\xe9 \x93noise\x94").encode("latin-1")
    )
    head = email_mime.head_of(email_mime.parse(raw.replace(b"\n", b"\r\n") + b"\r\n\r\nx"))
    assert head.subject == "Café \u201cnoise\u201d"


def test_an_html_only_message_gets_a_plain_text_view() -> None:
    raw = _msg(PERSON + "Content-Type: text/html; charset=utf-8", b"<p>Hi <b>there</b></p>")
    content = email_mime.content_of(email_mime.parse(raw))
    assert (content.text, content.html) == ("Hi there", "<p>Hi <b>there</b></p>")


def test_a_message_without_message_id_gets_the_same_id_every_time() -> None:
    raw = _msg(PERSON.replace("Message-ID: <a@public.example>\n", ""))
    first = email_mime.head_of(email_mime.parse(raw)).message_id
    assert first == email_mime.head_of(email_mime.parse(raw)).message_id
    assert first.startswith("<sha256-") and first.endswith("@front-counter.invalid>")


def _head(ident: str, subject: str, when: datetime, **links: str) -> email_mime.Head:
    refs = tuple(links.get("references", "").split())
    return email_mime.Head(
        ident, links.get("in_reply_to"), refs, subject, None, (), None, when, None
    )


def test_threads_join_by_in_reply_to_across_runs_and_by_subject_within_two_weeks() -> None:
    day = datetime(2026, 11, 1, tzinfo=UTC)
    memory = ThreadMemory(None, set())
    root = _head("<1@p>", "Noise", day)
    memory.remember(root, "<1@p>", "jo@p")
    ours = _head("<2@f>", "Re: Noise", day, in_reply_to="<1@p>")
    assert memory.thread_of(ours, "jo@p") == "<1@p>"
    memory.remember(ours, "<1@p>", "jo@p")

    later = ThreadMemory(memory.as_cursor(), set())  # the next run, from the cursor
    only_parent = _head("<3@p>", "Re: Noise", day, in_reply_to="<2@f>")
    assert later.thread_of(only_parent, "jo@p") == "<1@p>"
    bare = _head("<4@p>", "AW: Re: noise", datetime(2026, 11, 10, tzinfo=UTC))
    assert later.thread_of(bare, "jo@p") == "<1@p>"
    assert later.thread_of(bare, "someone-else@p") == "<4@p>"
    too_late = _head("<5@p>", "Re: Noise", datetime(2026, 11, 20, tzinfo=UTC))
    assert later.thread_of(too_late, "jo@p") == "<5@p>"


def test_a_stored_thread_is_joined_even_when_the_memory_forgot_it() -> None:
    memory = ThreadMemory(None, {"<old@p>"})
    reply = _head("<new@p>", "Re: x", datetime(2026, 11, 1, tzinfo=UTC), references="<x@p> <old@p>")
    assert memory.thread_of(reply, "jo@p") == "<old@p>"


def test_the_thread_memory_in_the_cursor_stays_bounded() -> None:
    memory = ThreadMemory(None, set())
    when = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(MAX_IDS + 50):
        memory.remember(_head(f"<{n}@p>", f"s{n}", when), f"<{n}@p>", "jo@p")
    saved = memory.as_cursor()
    assert len(saved["ids"]) == MAX_IDS and f"<{MAX_IDS + 49}@p>" in saved["ids"]


def test_the_reply_answers_the_reply_to_address_and_carries_the_whole_chain() -> None:
    target = {
        "message_id": "<3@p>",
        "in_reply_to": "<2@f>",
        "references": [],
        "subject": "RE: Noise",
        "from": "jo@public.example",
        "from_name": "Jo",
        "reply_to": "jo.home@public.example",
        "reply_to_name": "Jo at home",
    }
    msg = email_smtp.build_reply(target, "<3@p>", "Thanks.", "Northshire Police", "c@f.example")
    assert msg["From"] == "Northshire Police <c@f.example>"
    assert msg["To"] == "Jo at home <jo.home@public.example>"
    assert msg["Subject"] == "RE: Noise"
    assert (msg["In-Reply-To"], msg["References"]) == ("<3@p>", "<2@f> <3@p>")
    same = email_smtp.build_reply(target, "<3@p>", "Thanks.", "Northshire Police", "c@f.example")
    assert msg["Message-ID"] == same["Message-ID"]
    assert str(msg["Message-ID"]).endswith("@f.example>")


@pytest.mark.parametrize("host", ["mail.force.example", "10.0.0.5", "::2"])
def test_no_encryption_is_refused_for_any_server_but_this_machine(host: str) -> None:
    with pytest.raises(ChannelError, match="only for a server on this machine"):
        email_smtp.check_security("none", "127.0.0.1", host)
    email_smtp.check_security("none", "127.0.0.1", "localhost", "::1")
